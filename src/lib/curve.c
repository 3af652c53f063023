/*
 * curve.c: person profiles and payout curves (see curve.h).
 */
#include "curve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ydoc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

profile *profile_new(void)
{
	profile *pf = calloc(1, sizeof *pf);

	if (!pf)
		return NULL;
	arena_init(&pf->mem);
	pf->file = "";
	pf->name = "typical person";
	pf->team = "";
	pf->deals = 4;
	pf->curve_to = dec_from_int(2);
	dec_parse(&pf->curve_step, "0.05", 4, false);
	pf->examples = arena_alloc(&pf->mem, sizeof *pf->examples * 3);
	if (!pf->examples) {
		free(pf);
		return NULL;
	}
	dec_parse(&pf->examples[0], "0.5", 3, false);
	pf->examples[1] = dec_from_int(1);
	dec_parse(&pf->examples[2], "1.5", 3, false);
	pf->n_examples = 3;
	return pf;
}

void profile_destroy(profile *pf)
{
	if (!pf)
		return;
	free(pf->keys);
	free(pf->vals);
	arena_finish(&pf->mem);
	free(pf);
}

bool profile_set_field(profile *pf, const char *key, const char *val)
{
	const char **k = realloc(pf->keys, sizeof *k * (pf->n_fields + 1));
	if (!k)
		return false;
	pf->keys = k;
	const char **v = realloc(pf->vals, sizeof *v * (pf->n_fields + 1));
	if (!v)
		return false;
	pf->vals = v;
	k[pf->n_fields] = arena_strdup(&pf->mem, key);
	v[pf->n_fields] = arena_strdup(&pf->mem, val);
	if (!k[pf->n_fields] || !v[pf->n_fields])
		return false;
	pf->n_fields++;
	return true;
}

static bool read_fraction(ydoc *d, const ynode *n, const char *what, dec *out)
{
	if (!ydoc_dec(d, n, true, what, out))
		return false;
	if (dec_sign(*out) < 0 || dec_cmp(*out, dec_from_int(10)) > 0) {
		ydoc_error(d, n, NULL, "%s must be from 0%% to 1000%%", what);
		return false;
	}
	return true;
}

int profile_load(profile **out, const char *path, inc_diag_fn diag, void *ud,
		 char **err)
{
	static const char *const keys[] = {"profile", "level", "team", "quota", "currency",
					   "date", "deals", "event", "curve", "examples"};
	profile *pf = profile_new();
	ydoc d;
	const ynode *root, *x;
	int rc;

	if (!pf)
		return INC_ERROR;
	pf->file = arena_strdup(&pf->mem, path);
	rc = ydoc_open(&d, path, diag, ud, err);
	if (rc)
		goto done;
	root = d.t.root;
	if (!root || root->kind != YN_MAP) {
		ydoc_error(&d, root, "see docs/simulate.md", "a profile is a mapping with level, quota and event");
		rc = INC_EINPUT;
		goto done;
	}
	ydoc_keys(&d, root, keys, ARRAY_LEN(keys));
#define STR(key, dst)                                                                  \
	if ((x = ynode_get(root, key))) {                                              \
		const char *s_ = ydoc_str(&d, x, "a text");                            \
		if (s_)                                                                \
			dst = arena_strdup(&pf->mem, s_);                              \
	}
	STR("profile", pf->name);
	STR("level", pf->level);
	STR("team", pf->team);
	STR("currency", pf->currency);
#undef STR
	if (!pf->level)
		ydoc_error(&d, root, "e.g. level: SR2", "a profile needs `level:` (a level of the ladder)");
	if (!(x = ynode_get(root, "quota")))
		ydoc_error(&d, root, "e.g. quota: 250000.00", "a profile needs `quota:`");
	else if (ydoc_dec(&d, x, false, "quota", &pf->quota) && dec_sign(pf->quota) <= 0)
		ydoc_error(&d, x, NULL, "the quota must be above 0");
	if ((x = ynode_get(root, "date")) && ydoc_date(&d, x, &pf->date))
		pf->has_date = true;
	if ((x = ynode_get(root, "deals"))) {
		int64_t v;
		if (ydoc_int(&d, x, 1, 1000, "deals", &v))
			pf->deals = (uint32_t)v;
	}
	if (!(x = ynode_get(root, "event"))) {
		ydoc_error(&d, root, "e.g. event: {type: deal_closed, product: SW-ENT-210}",
			   "a profile needs `event:`, the sale it makes");
	} else if (ydoc_is_map(&d, x, "event")) {
		for (size_t i = 0; i < x->n_pairs; i++) {
			const ynode *k = x->pairs[i].key, *v = x->pairs[i].value;
			const char *s = ydoc_str(&d, v, "a value");
			if (!s)
				continue;
			if (ynode_text_is(k, "type"))
				pf->type = arena_strdup(&pf->mem, s);
			else if (!profile_set_field(pf, k->text, s))
				rc = INC_ERROR;
		}
		if (!pf->type)
			ydoc_error(&d, x, "e.g. type: deal_closed", "the event needs `type:`");
	}
	if ((x = ynode_get(root, "curve")) && ydoc_is_map(&d, x, "curve")) {
		static const char *const ck[] = {"to", "step"};
		const ynode *y;
		ydoc_keys(&d, x, ck, 2);
		if ((y = ynode_get(x, "to")))
			read_fraction(&d, y, "curve to", &pf->curve_to);
		if ((y = ynode_get(x, "step")) && read_fraction(&d, y, "curve step", &pf->curve_step) &&
		    dec_sign(pf->curve_step) <= 0)
			ydoc_error(&d, y, NULL, "the step must be above 0");
	}
	if ((x = ynode_get(root, "examples"))) {
		if (x->kind != YN_SEQ || x->n_items == 0 || x->n_items > 12) {
			ydoc_error(&d, x, "e.g. examples: [50%, 100%, 150%]", "examples is a list of 1 to 12 attainments");
		} else {
			pf->examples = arena_alloc(&pf->mem, sizeof *pf->examples * x->n_items);
			pf->n_examples = 0;
			for (size_t i = 0; pf->examples && i < x->n_items; i++)
				if (read_fraction(&d, x->items[i], "an example", &pf->examples[pf->n_examples]))
					pf->n_examples++;
		}
	}
	if (rc == 0 && d.errors)
		rc = INC_EINPUT;
	if (rc == 0 && dec_sign(pf->curve_step) > 0) {
		dec pts;
		if (dec_div(&pts, pf->curve_to, pf->curve_step, 0, DEC_DOWN) != DEC_OK ||
		    dec_cmp(pts, dec_from_int(1000)) > 0) {
			ydoc_error(&d, ynode_get(root, "curve"), NULL, "a curve has at most 1000 points");
			rc = INC_EINPUT;
		}
	}
done:
	ydoc_close(&d);
	if (rc) {
		if (rc == INC_ERROR && err && !*err)
			*err = strdup("out of memory");
		profile_destroy(pf);
		return rc;
	}
	*out = pf;
	return 0;
}

bool profile_default_path(const inc_policy *p, char *buf, size_t cap)
{
	struct stat st;
	const char *root = p->root;
	int n;

	if (stat(root, &st) == 0 && S_ISDIR(st.st_mode)) {
		n = snprintf(buf, cap, "%s/examples/profile.yaml", root);
	} else {
		const char *slash = strrchr(root, '/');
		if (slash)
			n = snprintf(buf, cap, "%.*s/examples/profile.yaml", (int)(slash - root), root);
		else
			n = snprintf(buf, cap, "examples/profile.yaml");
	}
	return n > 0 && (size_t)n < cap && access(buf, R_OK) == 0;
}

date_t profile_date(const profile *pf, const inc_policy *p)
{
	if (pf->has_date)
		return pf->date;
	return p->versions[p->n_versions - 1].effective;
}

static int failf(char **err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int failf(char **err, int code, const char *fmt, ...)
{
	va_list ap;
	strbuf sb;

	sb_init(&sb);
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (err) {
		free(*err);
		*err = sb.oom ? NULL : strdup(sb_cstr(&sb));
	}
	sb_finish(&sb);
	return code;
}

/* Reads the profile's text for field fd. */
static int field_value_of(const profile *pf, const field_def *fd, const char *s,
			  int minor, field_value *out, char **err)
{
	size_t n = strlen(s);
	value *v = &out->v;

	out->present = true;
	v->type = fd->type;
	switch (fd->type) {
	case FT_STRING:
		if (fd->pattern) {
			pcre2_match_data *md = pcre2_match_data_create(1, NULL);
			int m = md ? pcre2_match(fd->pattern, (PCRE2_SPTR)s, n, 0, 0, md, NULL) : -1;
			pcre2_match_data_free(md);
			if (m < 0)
				return failf(err, INC_EINPUT, "%s: '%s' does not match the pattern of field '%s' (%s)",
					     pf->file, s, fd->name, fd->pattern_src);
		}
		v->u.str.s = s;
		v->u.str.len = (uint32_t)n;
		return 0;
	case FT_MONEY:
		if (dec_parse(&v->u.d, s, n, false) != DEC_OK || !dec_fits_scale(v->u.d, minor))
			return failf(err, INC_EINPUT, "%s: field '%s' needs an amount with at most %d decimals, not '%s'",
				     pf->file, fd->name, minor, s);
		return 0;
	case FT_DECIMAL:
		if (dec_parse(&v->u.d, s, n, false) != DEC_OK)
			return failf(err, INC_EINPUT, "%s: field '%s' needs a decimal, not '%s'", pf->file, fd->name, s);
		return 0;
	case FT_INTEGER: {
		char *end = NULL;
		long long x = strtoll(s, &end, 10);
		if (end == s || *end)
			return failf(err, INC_EINPUT, "%s: field '%s' needs a whole number, not '%s'", pf->file, fd->name, s);
		v->u.i = x;
		return 0;
	}
	case FT_DATE:
		if (date_parse(&v->u.date, s, n) != 0)
			return failf(err, INC_EINPUT, "%s: field '%s' needs a date, not '%s'", pf->file, fd->name, s);
		return 0;
	case FT_ENUM:
		for (size_t i = 0; i < fd->n_enum; i++)
			if (strcmp(fd->enum_values[i], s) == 0) {
				v->u.ix = (uint32_t)i;
				return 0;
			}
		return failf(err, INC_EINPUT, "%s: '%s' is not a value of field '%s'", pf->file, s, fd->name);
	default:
		return failf(err, INC_EINPUT, "%s: field '%s' (a %s) cannot be given in a profile",
			     pf->file, fd->name, fd->type == FT_REF ? "reference" : "credit split");
	}
}

int curve_run(const inc_policy *p, const profile *pf, date_t day, dec att,
	      eval_emit_fn emit, void *ud, dec *sales, dec *target, int *minor_out,
	      const char **currency_out, char **err)
{
	const policy_version *v = policy_version_at(p, day);
	period_kind pk = p->versions[0].period;
	roster ro;
	evstore st;
	int rc = 0;
	char d1[11];

	roster_init(&ro);
	evstore_init(&st);
	date_format(d1, day);
	if (!v) {
		rc = failf(err, INC_EINPUT, "profile date %s is before the policy's first version", d1);
		goto done;
	}
	int32_t period = period_of(pk, day);
	const policy_version *vend = policy_version_at(p, period_end(pk, period));
	const char *cur = pf->currency ? pf->currency : v->currency;
	int minor = currency_minor_unit(v, cur, strlen(cur));
	if (minor < 0) {
		rc = failf(err, INC_EINPUT, "%s: unknown currency '%s'", pf->file, cur);
		goto done;
	}
	int li = version_level(vend, pf->level, strlen(pf->level));
	if (version_level(v, pf->level, strlen(pf->level)) < 0 || li < 0) {
		rc = failf(err, INC_EINPUT, "%s: level '%s' is not on the ladder of version %s",
			   pf->file, pf->level, version_level(v, pf->level, strlen(pf->level)) < 0 ? v->label : vend->label);
		goto done;
	}
	if (!dec_fits_scale(pf->quota, minor)) {
		rc = failf(err, INC_EINPUT, "%s: the quota has more decimals than %s allows", pf->file, cur);
		goto done;
	}
	*target = vend->levels[li].has_target_bonus ? vend->levels[li].target_bonus : dec_zero();
	*minor_out = minor;
	*currency_out = cur;

	/* the roster: one person with one quota */
	person *who = calloc(1, sizeof *who);
	ro.quotas = calloc(1, sizeof *ro.quotas);
	ro.people = who;
	if (!who || !ro.quotas) {
		rc = failf(err, INC_ERROR, "out of memory");
		goto done;
	}
	ro.n_people = ro.cap_people = 1;
	who->id = "profile";
	who->name = pf->name;
	who->level = pf->level;
	who->team = pf->team ? pf->team : "";
	who->manager = "";
	who->hired = period_start(pk, period) - 3653;
	who->currency = cur;
	who->minor = minor;
	who->file = pf->file;
	if (strmap_put(&ro.by_id, who->id, strlen(who->id), 0, NULL) < 0) {
		rc = failf(err, INC_ERROR, "out of memory");
		goto done;
	}
	ro.quotas[0].person = 0;
	ro.quotas[0].period = period;
	ro.quotas[0].amount = pf->quota;
	ro.quotas[0].file = pf->file;
	ro.n_quotas = ro.cap_quotas = 1;

	/* the sales: quota x att, rounded down, in equal deals */
	int ti = version_event_type(v, pf->type, strlen(pf->type));
	if (ti < 0) {
		rc = failf(err, INC_EINPUT, "%s: version %s has no event type '%s'", pf->file, v->label, pf->type);
		goto done;
	}
	const event_type *ty = &v->types[ti];
	int cf = ty->credit_field;
	if (cf < 0) {
		rc = failf(err, INC_EINPUT, "%s: event type '%s' credits nothing toward quota", pf->file, pf->type);
		goto done;
	}
	dec total, each, last;
	if (dec_mul(&total, pf->quota, att) != DEC_OK || dec_round(&total, total, minor, DEC_DOWN) != DEC_OK ||
	    dec_div(&each, total, dec_from_int(pf->deals), minor, DEC_DOWN) != DEC_OK) {
		rc = failf(err, INC_EARITH, "profile: arithmetic overflow");
		goto done;
	}
	dec used;
	(void)dec_mul(&used, each, dec_from_int(pf->deals - 1));
	(void)dec_sub(&last, total, used);
	*sales = total;
	for (size_t k = 0; k < pf->n_fields; k++)
		if (event_type_field(ty, pf->keys[k]) < 0 || event_type_field(ty, pf->keys[k]) == cf) {
			rc = failf(err, INC_EINPUT, "%s: event type '%s' %s field '%s'", pf->file, pf->type,
				   event_type_field(ty, pf->keys[k]) < 0 ? "has no" : "computes its credit",
				   pf->keys[k]);
			goto done;
		}
	for (uint32_t k = 0; dec_sign(total) > 0 && k < pf->deals; k++) {
		event e;
		char id[32];
		field_value *fv = evstore_fields(&st, ty->n_fields);
		if (!fv) {
			rc = failf(err, INC_ERROR, "out of memory");
			goto done;
		}
		memset(&e, 0, sizeof e);
		snprintf(id, sizeof id, "profile-%04u", k + 1);
		e.id = id;
		e.id_len = (uint32_t)strlen(id);
		e.date = day;
		e.version = v;
		e.type = ty;
		e.person = 0;
		e.fields = fv;
		e.file = pf->file;
		for (size_t f = 0; f < ty->n_fields; f++) {
			const field_def *fd = &ty->fields[f];
			memset(&fv[f], 0, sizeof fv[f]);
			if ((int)f == cf) {
				fv[f].present = true;
				fv[f].v.type = FT_MONEY;
				fv[f].v.u.d = k + 1 == pf->deals ? last : each;
				continue;
			}
			size_t j;
			for (j = 0; j < pf->n_fields; j++)
				if (strcmp(pf->keys[j], fd->name) == 0)
					break;
			if (j == pf->n_fields) {
				if (fd->required) {
					rc = failf(err, INC_EINPUT, "%s: the event needs field '%s' (required by %s in version %s)",
						   pf->file, fd->name, ty->name, v->label);
					goto done;
				}
				continue;
			}
			rc = field_value_of(pf, fd, pf->vals[j], minor, &fv[f], err);
			if (rc)
				goto done;
		}
		if (!evstore_push(&st, &e)) {
			rc = failf(err, INC_ERROR, "out of memory");
			goto done;
		}
	}
	eval_config cfg = {.policy = p, .roster = &ro, .emit = emit, .emit_ud = ud};
	rc = evstore_eval(&cfg, st.ev, st.n, err);
done:
	evstore_finish(&st);
	roster_finish(&ro);
	return rc;
}

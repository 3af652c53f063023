/*
 * fuzz_policy.c: libFuzzer target for the policy loader (YAML text ->
 * inc_policy_load), and for the evaluator over whatever policy loads.
 *
 * The input is the text of a policy file, written to a scratch directory
 * that also holds scripts/x.lua (a valid script with a `pay` function) so
 * that `script:` references can resolve.  When the input contains the
 * line "%%", the text before it and after it become two version files of
 * a policy directory, so checks across versions run too.
 *
 * Oracles: no crash, no leak, no sanitizer report; every diagnostic has a
 * file and a message; a refused policy reports at least one error; a
 * loaded policy has a 64-digit hash and a label per version, and loading
 * the same bytes twice gives the same hash; loading the same files from
 * memory (inc_policy_load_memory) gives the same result, the same number
 * of errors and the same hash.  A loaded policy is then run
 * over one person of its first level and two events of each of its event
 * types (fields filled in by type): the run must succeed or fail with a
 * message, never crash.
 */
#include <inttypes.h>

#include "fuzz_common.h"
#include "model.h"

static const char script_src[] =
    "function pay(ctx)\n"
    "  return {kind = 'bonus', amount = dec('1.00'), reason = 'x'}\n"
    "end\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char p[512];

	(void)argc;
	(void)argv;
	snprintf(p, sizeof p, "%s/single", fz_scratch());
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/single/scripts", fz_scratch());
	mkdir(p, 0700);
	fz_write("single/scripts/x.lua", (const uint8_t *)script_src,
		 sizeof script_src - 1);
	snprintf(p, sizeof p, "%s/dir", fz_scratch());
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/dir/scripts", fz_scratch());
	mkdir(p, 0700);
	fz_write("dir/scripts/x.lua", (const uint8_t *)script_src,
		 sizeof script_src - 1);
	return 0;
}

static int sink(void *ud, const inc_decision *d)
{
	(void)ud;
	if (!d->id || !d->period || !d->person || !d->kind || !d->rule ||
	    !d->events || !d->reason || !d->version || !d->detail)
		abort();
	if ((d->amount == NULL) != (d->currency == NULL))
		abort();
	return 0;
}

/* A value of field type t that the reader should accept. */
static const char *sample(const field_def *f, int k)
{
	switch (f->type) {
	case FT_MONEY:
		return k ? "-12.50" : "1000.00";
	case FT_DECIMAL:
		return "1.5";
	case FT_INTEGER:
		return "3";
	case FT_DATE:
		return "2026-01-15";
	case FT_ENUM:
		return f->n_enum ? f->enum_values[0] : "x";
	case FT_REF:
		return k ? "e0-0" : "";
	case FT_SPLIT:
		return "";
	case FT_STRING:
	default:
		return "SW-ENT-1";
	}
}

static void csv_cell(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Runs policy p over synthetic inputs (see the file comment). */
static void run_policy(const inc_policy *p)
{
	const policy_version *v = &p->versions[0];
	char path[512], people[600], date[11];
	inc_run *r = NULL;
	FILE *f;

	if (v->n_levels == 0)
		return;
	snprintf(people, sizeof people, "%s/people.csv", fz_scratch());
	f = fopen(people, "w");
	if (!f)
		abort();
	fputs("id,name,level,team,manager,hired,left,currency\np1,P,", f);
	csv_cell(f, v->levels[0].id);
	fputs(",t,,2020-01-01,,\n", f);
	fclose(f);

	inc_run_options o;
	memset(&o, 0, sizeof o);
	if (inc_run_create(&r, p, &o, fz_diag, NULL) != 0)
		abort();
	if (inc_run_add_people(r, people) != 0)
		goto done;
	for (size_t t = 0; t < v->n_types && t < 8; t++) {
		const event_type *et = &v->types[t];
		snprintf(path, sizeof path, "%s/events%zu.csv", fz_scratch(),
			 t);
		f = fopen(path, "w");
		if (!f)
			abort();
		fputs("id,date,type,person", f);
		for (size_t i = 0; i < et->n_fields; i++) {
			fputc(',', f);
			csv_cell(f, et->fields[i].name);
		}
		fputc('\n', f);
		for (int k = 0; k < 2; k++) {
			date_format(date, v->effective + 40 * k);
			fprintf(f, "e%zu-%d,%s,", t, k, date);
			csv_cell(f, et->name);
			fputs(",p1", f);
			for (size_t i = 0; i < et->n_fields; i++) {
				fputc(',', f);
				csv_cell(f, sample(&et->fields[i], k));
			}
			fputc('\n', f);
		}
		fclose(f);
		if (inc_run_add_events(r, path) != 0)
			goto done;
	}
	if (inc_run_execute(r, sink, NULL) != 0 &&
	    strlen(inc_run_errmsg(r)) == 0)
		abort();
done:
	inc_run_destroy(r);
}

static int load(const char *path, inc_policy **p, size_t *n_diags)
{
	char *err = NULL;
	int rc = inc_policy_load(p, path, fz_diag, n_diags, &err);

	if (rc == INC_ERROR && !err)
		abort(); /* an I/O error must say what */
	if (rc != INC_ERROR && err)
		abort();
	if (rc == INC_EPOLICY && *n_diags == 0)
		abort(); /* refused without saying why */
	if (rc != 0 && *p)
		abort();
	free(err);
	return rc;
}

static void quiet_diag(void *ud, const inc_diag *d)
{
	size_t *n = ud;

	if (d->severity == INC_SEV_ERROR)
		(*n)++;
}

static void count_errors(void *ud, const inc_diag *d)
{
	fz_diag(NULL, d);
	quiet_diag(ud, d);
}

/* The same files through inc_policy_load_memory: same outcome, same
 * number of errors, same hash. */
static void same_from_memory(const uint8_t *data, size_t size,
			     const uint8_t *cut, int rc_file, size_t n_file,
			     const inc_policy *p_file)
{
	inc_policy_file_info f[3];
	size_t nf = 0, n_mem = 0, n_again = 0;
	inc_policy *pm = NULL, *pf = NULL;
	char *err = NULL;

	memset(f, 0, sizeof f);
	if (cut) {
		size_t a = (size_t)(cut - data);
		f[nf++] = (inc_policy_file_info){"a.yaml", (const char *)data, a,
						 NULL, 0};
		f[nf++] = (inc_policy_file_info){"b.yaml",
						 (const char *)cut + 3,
						 size - a - 3, NULL, 0};
	} else {
		f[nf++] = (inc_policy_file_info){"p.yaml", (const char *)data,
						 size, NULL, 0};
	}
	f[nf++] = (inc_policy_file_info){"scripts/x.lua", script_src,
					 sizeof script_src - 1, NULL, 1};
	int rc = inc_policy_load_memory(&pm, "", f, nf, count_errors, &n_mem,
					&err);
	free(err);
	if (rc == INC_ERROR || rc_file == INC_ERROR) {
		inc_policy_destroy(pm);
		return; /* an I/O failure on one side only */
	}
	/* errors of the file load, counted the same way */
	(void)n_file;
	if (rc_file != 0) {
		char *e2 = NULL;
		static char dir[512], file[512];
		snprintf(dir, sizeof dir, "%s/dir", fz_scratch());
		snprintf(file, sizeof file, "%s/single/p.yaml", fz_scratch());
		const char *path = cut ? dir : file;
		if (inc_policy_load(&pf, path, quiet_diag, &n_again, &e2) == 0)
			abort(); /* not deterministic */
		free(e2);
	}
	if (rc != rc_file || (rc != 0 && n_mem != n_again))
		abort();
	if (rc == 0 && strcmp(inc_policy_hash(pm), inc_policy_hash(p_file)))
		abort();
	inc_policy_destroy(pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	const uint8_t *cut = NULL;
	inc_policy *p = NULL, *q = NULL;
	size_t n = 0, n2 = 0;

	for (size_t i = 0; i + 3 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') &&
		    !memcmp(data + i, "%%\n", 3)) {
			cut = data + i;
			break;
		}
	if (cut) {
		size_t a = (size_t)(cut - data);
		fz_write("dir/a.yaml", data, a);
		fz_write("dir/b.yaml", cut + 3, size - a - 3);
		static char dir[512];
		snprintf(dir, sizeof dir, "%s/dir", fz_scratch());
		path = dir;
	} else {
		static char file[512];
		snprintf(file, sizeof file, "%s",
			 fz_write("single/p.yaml", data, size));
		path = file;
	}
	int rc = load(path, &p, &n);
	same_from_memory(data, size, cut, rc, n, p);
	if (rc != 0)
		return 0;
	if (strlen(inc_policy_hash(p)) != 64 ||
	    inc_policy_version_count(p) == 0)
		abort();
	for (size_t i = 0; i < inc_policy_version_count(p); i++)
		if (!inc_policy_version_label(p, i))
			abort();
	/* the same bytes load to the same policy */
	if (load(path, &q, &n2) != 0 ||
	    strcmp(inc_policy_hash(p), inc_policy_hash(q)) != 0)
		abort();
	inc_policy_destroy(q);
	run_policy(p);
	inc_policy_destroy(p);
	return 0;
}

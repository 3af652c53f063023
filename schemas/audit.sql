-- audit.sql: the schema of the incentive audit database (schema version 3:
-- the base tables, then the parts that versions 2 and 3 added).
--
-- `incentive run --audit FILE` creates the database with exactly these
-- statements (the build embeds this file in the library) and records each
-- run in one transaction.  docs/audit.md describes every table, the
-- canonical serialisation that the hash chains are computed over, and the
-- verbs that read the database (verify, replay, explain, statement).
--
-- Conventions:
--  * Every table is append-only: the triggers at the end refuse UPDATE and
--    DELETE.  Nothing is ever rewritten; a correction is a new row.
--  * `seq` columns are positions in a hash chain, 1, 2, 3, ... without
--    gaps.  Four chains: the ledger (runs and approvals share one
--    sequence), events, rejects and decisions.
--  * `hash` columns hold the 32-byte SHA-256 chain hash of their row:
--    SHA-256 over the row's canonical serialisation, which begins with the
--    previous row's hash (docs/audit.md, "Hash chains").
--  * Money is text: an exact decimal at the currency's minor unit, exactly
--    as the engine printed it.  Dates are YYYY-MM-DD text.
--  * Time stamps (`started`, `approved_at`) are metadata: no decision ever
--    depends on them.

-- Facts about the database itself: ('schema', '1'), ('created_by', engine).
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Content-addressed file bytes: every policy file and every people and
-- quota file a run read, each stored once.  sha256 is the lowercase hex
-- SHA-256 of bytes, so `sha256sum FILE` on the original shows the key.
CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,
	size INTEGER NOT NULL,
	bytes BLOB NOT NULL
);

-- Policy snapshots: one row per policy hash (inc_policy_hash: SHA-256 over
-- "<path> NUL <length> NUL <bytes>" of each file, in path order).
CREATE TABLE policies (
	hash TEXT PRIMARY KEY,
	files INTEGER NOT NULL
);

-- The files of each policy snapshot.  role: 'version' (a YAML version
-- file) or 'script' (a Lua file that rules name).
CREATE TABLE policy_files (
	policy TEXT NOT NULL REFERENCES policies(hash),
	path TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('version', 'script')),
	sha256 TEXT NOT NULL REFERENCES blobs(sha256),
	PRIMARY KEY (policy, path)
) WITHOUT ROWID;

-- Ledger, part 1: approvals of a policy hash (`incentive approve`).
CREATE TABLE approvals (
	seq INTEGER PRIMARY KEY,	-- position in the ledger chain
	approval INTEGER NOT NULL UNIQUE, -- 1, 2, ...
	policy TEXT NOT NULL,		-- the approved policy hash
	policy_name TEXT NOT NULL,
	approved_by TEXT NOT NULL,
	note TEXT NOT NULL,		-- '' when none
	approved_at TEXT NOT NULL,	-- UTC, metadata
	hash BLOB NOT NULL
);

-- Ledger, part 2: one row per completed run, written last, in the run's
-- transaction: a run without its row here never happened.  The *_count
-- and *_head columns record each chain's length and head hash (hex) when
-- the run committed, so the ledger head commits to every row.
CREATE TABLE runs (
	seq INTEGER PRIMARY KEY,	-- position in the ledger chain
	run INTEGER NOT NULL UNIQUE,	-- 1, 2, ...
	status TEXT NOT NULL CHECK (status IN ('draft', 'final')),
	started TEXT NOT NULL,		-- UTC, metadata
	engine TEXT NOT NULL,		-- "incentive 0.1.0"
	command TEXT NOT NULL,		-- the command line, as given
	options TEXT NOT NULL,		-- JSON: period, strict, final
	policy TEXT NOT NULL,		-- policy hash (policies.hash)
	policy_name TEXT NOT NULL,
	policy_root TEXT NOT NULL,	-- the policy path as given
	period TEXT,			-- --period, or NULL for every period
	approval INTEGER,		-- final runs: the approval relied on
	locked_by INTEGER,		-- the final run that locked the period
	lines_read INTEGER NOT NULL,
	events INTEGER NOT NULL,	-- accepted events evaluated
	events_new INTEGER NOT NULL,	-- of which first recorded here
	events_known INTEGER NOT NULL,	-- of which already recorded (no-op)
	rejected INTEGER NOT NULL,	-- rejected input lines
	people INTEGER NOT NULL,
	quotas INTEGER NOT NULL,
	decisions INTEGER NOT NULL,	-- including adjustments
	adjustments INTEGER NOT NULL,
	inputs_sha256 TEXT NOT NULL,	-- chain head over the run's run_inputs
	members_sha256 TEXT NOT NULL,	-- ... over its run_events
	people_sha256 TEXT NOT NULL,	-- ... over its run_people
	events_count INTEGER NOT NULL,
	events_head TEXT NOT NULL,
	rejects_count INTEGER NOT NULL,
	rejects_head TEXT NOT NULL,
	decisions_count INTEGER NOT NULL,
	decisions_head TEXT NOT NULL,
	hash BLOB NOT NULL
);

-- The input files of each run, in the order given.  role: 'people',
-- 'quotas', 'rates' (exchange rates), 'state' (--state-in: the carried
-- state of an earlier run) or 'events'.  stored: 1 when the bytes are in
-- blobs (every role but events, which are stored one by one in `events`).
CREATE TABLE run_inputs (
	run INTEGER NOT NULL,
	n INTEGER NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('people', 'quotas', 'rates', 'state', 'events')),
	path TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	stored INTEGER NOT NULL,
	PRIMARY KEY (run, n)
) WITHOUT ROWID;

-- The roster each run used (for statements), in roster order.
CREATE TABLE run_people (
	run INTEGER NOT NULL,
	n INTEGER NOT NULL,
	person TEXT NOT NULL,
	name TEXT NOT NULL,
	level TEXT NOT NULL,
	team TEXT NOT NULL,
	manager TEXT NOT NULL,
	hired TEXT NOT NULL,
	left_on TEXT,			-- NULL while employed
	currency TEXT NOT NULL,
	PRIMARY KEY (run, n)
) WITHOUT ROWID;

-- Accepted events, each stored once (an event id names one fact forever:
-- ingesting it again is a no-op when identical and an error when not).
-- data: JSON object of the fields the event's type declares that are
-- present, in declaration order, every value a string written as the
-- engine read it (money at its currency's minor unit, with the sign it has
-- in the file: a `sign: negative` type negates it when read, on replay too).
CREATE TABLE events (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	date TEXT NOT NULL,
	type TEXT NOT NULL,
	person TEXT NOT NULL,
	data TEXT NOT NULL,
	run INTEGER NOT NULL,		-- the run that first recorded it
	input INTEGER NOT NULL,		-- run_inputs.n of that run
	line INTEGER NOT NULL,		-- line in that file
	hash BLOB NOT NULL
);

-- Which events each run evaluated: ranges of events.seq, in the order the
-- run met them ((date, id) order), numbered n = 1, 2, ...
CREATE TABLE run_events (
	run INTEGER NOT NULL,
	n INTEGER NOT NULL,
	first_seq INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	PRIMARY KEY (run, n)
) WITHOUT ROWID;

-- Rejected input lines (severity 'error') and input warnings ('warning'),
-- with the reason, as reported to the user.
CREATE TABLE rejects (
	seq INTEGER PRIMARY KEY,
	run INTEGER NOT NULL,
	file TEXT NOT NULL,
	line INTEGER NOT NULL,		-- 0 when not about one line
	severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
	message TEXT NOT NULL,
	hint TEXT NOT NULL,		-- '' when none
	hash BLOB NOT NULL
);

-- Every decision, exactly as the run handed it to its output (id is the
-- run's own numbering D000001, D000002, ...).  amount and currency are
-- NULL for decisions that are not money.  detail: JSON object of the
-- exact figures (docs/audit.md).  kind 'adjustment': a line of a run over
-- a locked period, what is owed now minus what was already paid.
CREATE TABLE decisions (
	seq INTEGER PRIMARY KEY,
	run INTEGER NOT NULL,
	id TEXT NOT NULL,
	period TEXT NOT NULL,
	person TEXT NOT NULL,
	kind TEXT NOT NULL,
	amount TEXT,
	currency TEXT,
	rule TEXT NOT NULL,
	events TEXT NOT NULL,
	reason TEXT NOT NULL,
	version TEXT NOT NULL,
	detail TEXT NOT NULL,
	hash BLOB NOT NULL
);

-- Append-only: UPDATE and DELETE are refused on every table.
CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'meta is append-only (incentive audit trail)'); END;
CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta BEGIN SELECT RAISE(ABORT, 'meta is append-only (incentive audit trail)'); END;
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs BEGIN SELECT RAISE(ABORT, 'blobs is append-only (incentive audit trail)'); END;
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs BEGIN SELECT RAISE(ABORT, 'blobs is append-only (incentive audit trail)'); END;
CREATE TRIGGER policies_no_update BEFORE UPDATE ON policies BEGIN SELECT RAISE(ABORT, 'policies is append-only (incentive audit trail)'); END;
CREATE TRIGGER policies_no_delete BEFORE DELETE ON policies BEGIN SELECT RAISE(ABORT, 'policies is append-only (incentive audit trail)'); END;
CREATE TRIGGER policy_files_no_update BEFORE UPDATE ON policy_files BEGIN SELECT RAISE(ABORT, 'policy_files is append-only (incentive audit trail)'); END;
CREATE TRIGGER policy_files_no_delete BEFORE DELETE ON policy_files BEGIN SELECT RAISE(ABORT, 'policy_files is append-only (incentive audit trail)'); END;
CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals BEGIN SELECT RAISE(ABORT, 'approvals is append-only (incentive audit trail)'); END;
CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals BEGIN SELECT RAISE(ABORT, 'approvals is append-only (incentive audit trail)'); END;
CREATE TRIGGER runs_no_update BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT, 'runs is append-only (incentive audit trail)'); END;
CREATE TRIGGER runs_no_delete BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'runs is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_inputs_no_update BEFORE UPDATE ON run_inputs BEGIN SELECT RAISE(ABORT, 'run_inputs is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_inputs_no_delete BEFORE DELETE ON run_inputs BEGIN SELECT RAISE(ABORT, 'run_inputs is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_people_no_update BEFORE UPDATE ON run_people BEGIN SELECT RAISE(ABORT, 'run_people is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_people_no_delete BEFORE DELETE ON run_people BEGIN SELECT RAISE(ABORT, 'run_people is append-only (incentive audit trail)'); END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only (incentive audit trail)'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_events_no_update BEFORE UPDATE ON run_events BEGIN SELECT RAISE(ABORT, 'run_events is append-only (incentive audit trail)'); END;
CREATE TRIGGER run_events_no_delete BEFORE DELETE ON run_events BEGIN SELECT RAISE(ABORT, 'run_events is append-only (incentive audit trail)'); END;
CREATE TRIGGER rejects_no_update BEFORE UPDATE ON rejects BEGIN SELECT RAISE(ABORT, 'rejects is append-only (incentive audit trail)'); END;
CREATE TRIGGER rejects_no_delete BEFORE DELETE ON rejects BEGIN SELECT RAISE(ABORT, 'rejects is append-only (incentive audit trail)'); END;
CREATE TRIGGER decisions_no_update BEFORE UPDATE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions is append-only (incentive audit trail)'); END;
CREATE TRIGGER decisions_no_delete BEFORE DELETE ON decisions BEGIN SELECT RAISE(ABORT, 'decisions is append-only (incentive audit trail)'); END;

-- ---- Simulations (schema version 2) ---------------------------------------
-- `incentive simulate --audit FILE` records each simulation here: never in
-- `runs` (a simulation pays nothing, locks no period, is never "already
-- paid" for an adjustment and stores no event).  A simulation row is a
-- ledger entry: it shares the ledger's `seq` sequence with runs and
-- approvals, so the head hash commits to it.  Its side tables are chained
-- from zeros, ordered by n, like a run's, and their digests are columns of
-- the simulation row.  A database of schema version 1 gets these tables
-- when it records its first simulation.

-- Ledger, part 3: one row per recorded simulation.
CREATE TABLE simulations (
	seq INTEGER PRIMARY KEY,	-- position in the ledger chain
	simulation INTEGER NOT NULL UNIQUE, -- 1, 2, ...
	started TEXT NOT NULL,		-- UTC, metadata
	engine TEXT NOT NULL,		-- "incentive 0.1.0"
	command TEXT NOT NULL,		-- the command line, as given
	made_by TEXT NOT NULL,		-- --by, else the login name; '' when none
	note TEXT NOT NULL,		-- '' when none
	options TEXT NOT NULL,		-- JSON: seed, trials, top, curves
	policy_a TEXT NOT NULL,		-- policy hash (policies.hash)
	policy_a_name TEXT NOT NULL,
	policy_a_root TEXT NOT NULL,	-- the policy path as given
	policy_b TEXT,			-- --vs: policy hash, else NULL
	policy_b_name TEXT,
	policy_b_root TEXT,
	label_a TEXT NOT NULL,		-- column headings: 'A', 'baseline', ''
	label_b TEXT,			-- 'B', 'scenario', or NULL: one column
	scenario TEXT,			-- sha256 of the scenario file (blobs), or NULL
	scenario_name TEXT NOT NULL,	-- its `scenario:` name, '' when none
	seed INTEGER NOT NULL,		-- of the draws and of drop/duplicate
	trials INTEGER NOT NULL,	-- Monte Carlo trials, 0 when none
	events INTEGER NOT NULL,	-- accepted events read (under policy A)
	events_used INTEGER NOT NULL,	-- events evaluated after the scenario
	people INTEGER NOT NULL,
	inputs_sha256 TEXT NOT NULL,	-- chain head over its simulation_inputs
	totals_sha256 TEXT NOT NULL,	-- ... over its simulation_totals
	people_sha256 TEXT NOT NULL,	-- ... over its simulation_people
	hash BLOB NOT NULL
);

-- The files a simulation read, in order.  role: 'people', 'quotas',
-- 'rates', 'events' (as for runs), 'scenario' or 'profile'.  stored: 1 when
-- the bytes are in blobs (every role but events).
CREATE TABLE simulation_inputs (
	simulation INTEGER NOT NULL,
	n INTEGER NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('people', 'quotas', 'rates', 'events', 'scenario', 'profile')),
	path TEXT NOT NULL,
	size INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	stored INTEGER NOT NULL,
	PRIMARY KEY (simulation, n)
) WITHOUT ROWID;

-- Total cost per column ('A': the first, 'B': the second) and currency,
-- as in the `cost` table of the simulation; with Monte Carlo trials, the
-- `mc_cost` figures of the total cost too (NULL without).
CREATE TABLE simulation_totals (
	simulation INTEGER NOT NULL,
	n INTEGER NOT NULL,
	side TEXT NOT NULL CHECK (side IN ('A', 'B')),
	currency TEXT NOT NULL,
	credited TEXT NOT NULL,		-- credited revenue
	cost TEXT NOT NULL,		-- every money decision added up
	mc_mean TEXT,
	mc_p10 TEXT,
	mc_p50 TEXT,
	mc_p90 TEXT,
	mc_min TEXT,
	mc_max TEXT,
	PRIMARY KEY (simulation, n)
) WITHOUT ROWID;

-- Pay per person and column, as in the `people` table of the simulation.
CREATE TABLE simulation_people (
	simulation INTEGER NOT NULL,
	n INTEGER NOT NULL,
	side TEXT NOT NULL CHECK (side IN ('A', 'B')),
	person TEXT NOT NULL,
	name TEXT NOT NULL,
	team TEXT NOT NULL,
	level TEXT NOT NULL,
	currency TEXT NOT NULL,
	credited TEXT NOT NULL,
	attainment TEXT NOT NULL,	-- percent, two decimals; '' without a quota
	pay TEXT NOT NULL,
	PRIMARY KEY (simulation, n)
) WITHOUT ROWID;

CREATE TRIGGER simulations_no_update BEFORE UPDATE ON simulations BEGIN SELECT RAISE(ABORT, 'simulations is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulations_no_delete BEFORE DELETE ON simulations BEGIN SELECT RAISE(ABORT, 'simulations is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_inputs_no_update BEFORE UPDATE ON simulation_inputs BEGIN SELECT RAISE(ABORT, 'simulation_inputs is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_inputs_no_delete BEFORE DELETE ON simulation_inputs BEGIN SELECT RAISE(ABORT, 'simulation_inputs is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_totals_no_update BEFORE UPDATE ON simulation_totals BEGIN SELECT RAISE(ABORT, 'simulation_totals is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_totals_no_delete BEFORE DELETE ON simulation_totals BEGIN SELECT RAISE(ABORT, 'simulation_totals is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_people_no_update BEFORE UPDATE ON simulation_people BEGIN SELECT RAISE(ABORT, 'simulation_people is append-only (incentive audit trail)'); END;
CREATE TRIGGER simulation_people_no_delete BEFORE DELETE ON simulation_people BEGIN SELECT RAISE(ABORT, 'simulation_people is append-only (incentive audit trail)'); END;

-- ---- Decision details (schema version 3) ----------------------------------
-- Each distinct list of detail keys, stored once.  decisions.detail holds
-- `[shape,"value",...]`: this table's shape number, then the values in the
-- order of its keys.  The object the engine made is the keys zipped with
-- the values, `{"key":"value",...}`, byte for byte: the decisions' chain
-- hashes are computed over that object (docs/audit.md, "Hash chains"), so
-- an edit here shows as a changed decision in `incentive verify`.  A
-- database of an earlier version gets this table when it records its next
-- run or simulation; its older decisions keep their detail as an object
-- (a detail that begins with `{`).
CREATE TABLE detail_keys (
	shape INTEGER PRIMARY KEY,	-- 1, 2, ...
	keys TEXT NOT NULL UNIQUE	-- JSON array of the keys, in order
);

-- One row per (decision, detail key), for queries:
--   SELECT key, value FROM decision_details WHERE seq = 42;
CREATE VIEW decision_details AS
	SELECT d.seq AS seq, k.value AS key, v.value AS value
	FROM decisions d
	JOIN detail_keys s ON s.shape = json_extract(d.detail, '$[0]')
	JOIN json_each(s.keys) k
	JOIN json_each(d.detail) v ON v.key = k.key + 1
	WHERE d.detail LIKE '[%'
	UNION ALL
	SELECT d.seq, v.key, v.value
	FROM decisions d, json_each(d.detail) v
	WHERE d.detail LIKE '{%';

CREATE TRIGGER detail_keys_no_update BEFORE UPDATE ON detail_keys BEGIN SELECT RAISE(ABORT, 'detail_keys is append-only (incentive audit trail)'); END;
CREATE TRIGGER detail_keys_no_delete BEFORE DELETE ON detail_keys BEGIN SELECT RAISE(ABORT, 'detail_keys is append-only (incentive audit trail)'); END;

#ifndef STINTD_CONFIG_H
#define STINTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Any map section ([checks]) holds at most this many entries. */
#define CONFIG_MAP_MAX 32
/* A map entry's name: 1 to this many of [A-Za-z0-9_-]. */
#define CONFIG_MAP_NAME_MAX 64

/* One entry of a map section: a name the user chose and its value, both malloc'd. */
struct config_entry {
	char *name;
	char *value;
};

/* A map section's entries, in the order of the file. */
struct config_map {
	struct config_entry *entries;
	size_t n;
};

/*
 * stintd's settings. One table in config.c (section, key, type, default, help) drives parsing,
 * validation, the commented default file (config/config.ini) and docs/configuration.md.
 */
struct config {
	/*
	 * [log] dir: where logs go; "{repo_name}" and "{repo}" are replaced. After config_load it
	 * is absolute: a leading "~/" ($HOME) or "{data}/" ($XDG_DATA_HOME) is already expanded.
	 */
	char *log_dir;
	/* [log] max_file_rows: rows in a session log's Files Modified table, 1 to 10000. */
	int log_max_file_rows;
	/* [log] template: the session log template's absolute path; NULL for the built-in one. */
	char *log_template;
	/* [log] check_timeout, seconds: how long each of the [checks] may run, 1s to 1h. */
	int64_t check_timeout_s;
	bool log_commit; /* [log] commit: commit logs written inside the repository */
	/* [log] placeholders: the index in config_placeholders_choices (keep, comment, drop). */
	int log_placeholders;
	/* [time] idle_timeout, seconds: no repository activity this long makes a session idle. */
	int64_t idle_timeout_s;		/* 0: never idle */
	int64_t max_session_s;		/* [time] max_session, 0: never auto-stopped */
	int64_t auto_stop_after_idle_s; /* 0: off */
	/* [notify]: desktop notifications (docs/notifications.md). Durations in seconds, 0: off. */
	bool notify_enabled;
	bool notify_summary;
	int64_t notify_break_every_s;
	int64_t notify_snooze_s;
	bool notify_idle_reminder;
	int64_t notify_remind_open_after_s;
	int64_t notify_warn_before_s;
	int64_t notify_min_interval_s;
	bool notify_start_reminder;
	/* [time] auto_start: repositories with a recent session are watched for auto-start. */
	bool auto_start;
	/* [time] resume_on_activity: work in a paused session resumes it. */
	bool resume_on_activity;
	/* [checks]: name = shell command, run in the repository at stop, in this order. */
	struct config_map checks;
	/* Where this config came from, for messages; NULL when only defaults are in use. */
	char *path;
};

/*
 * Fills cfg with the defaults. A path default that cannot be resolved (HOME unset) is left
 * NULL; config_load reports that as an error instead.
 */
void config_init(struct config *cfg);
/* [log] placeholders' values, in the order of template_engine.h's enum; NULL-terminated. */
extern const char *const config_placeholders_choices[];

/*
 * The idle threshold sessions use, in nanoseconds (0: never idle): idle_timeout, or
 * auto_stop_after_idle when that is shorter, so a session stopped for being idle never counts
 * its idle tail as work.
 */
int64_t config_idle_ns(const struct config *cfg);
/* Frees what cfg holds and zeroes it; safe to call twice. */
void config_finish(struct config *cfg);

/*
 * $STINT_CONFIG, else $XDG_CONFIG_HOME/stint/config.ini, else ~/.config/stint/config.ini.
 * Returns 0, -ENOENT (no HOME) or -ENAMETOOLONG.
 */
int config_default_path(char *buf, size_t n);

/*
 * Loads path into a fresh cfg (defaults first, then the file); cfg's old contents are not freed.
 * A missing file is not an error when missing_ok; a NULL path means defaults only. Errors fill
 * err as "path:line: [section] key: message"; the first error wins. Returns 0 or -1. On error
 * cfg is left finished (nothing to free).
 */
int config_load(struct config *cfg, const char *path, bool missing_ok, char *err, size_t errn);

/* The key table's types and the C type of the field each fills. */
enum config_type {
	CONFIG_STRING,	 /* char *, malloc'd */
	CONFIG_PATH,	 /* char *: a string; "~/" and "{data}/" expanded, must be absolute */
	CONFIG_BOOL,	 /* bool: true/false, yes/no, on/off, 1/0 */
	CONFIG_INT,	 /* int, min to max */
	CONFIG_DURATION, /* int64_t seconds (duration_parse syntax), min to max */
	CONFIG_ENUM,	 /* int: the index of the value in choices */
	/*
	 * struct config_map: a whole section of free-form names, each with a string value, at
	 * most CONFIG_MAP_MAX of them. The one exception to "every key is in the table": the row
	 * stands for its section (name is NULL). Its lines are read whole: a value runs to the
	 * end of the line (" ;" is not a comment, quotes are kept) and is not bound by inih's
	 * line length. check validates each value.
	 */
	CONFIG_MAP,
};

/* One row of the key table. */
struct config_key {
	const char *section;
	const char *name;
	enum config_type type;
	size_t offset;		    /* of the field within the struct being filled */
	const char *def;	    /* the default, written as in the file */
	int64_t min, max;	    /* CONFIG_INT, CONFIG_DURATION */
	const char *const *choices; /* CONFIG_ENUM: NULL-terminated */
	/*
	 * CONFIG_STRING, CONFIG_PATH, CONFIG_MAP, optional: extra validation of the (expanded)
	 * value.
	 */
	int (*check)(const char *value, char *err, size_t errn);
	/* CONFIG_STRING, CONFIG_PATH: an empty value is allowed and leaves the field NULL. */
	bool empty_ok;
	/* CONFIG_MAP: entries shown, commented out, in the default file ("a = x\nb = y"). */
	const char *example;
	const char *help;
};

/* The i-th key of the table, in its order (keys of a section together); NULL past the last. */
const struct config_key *config_key_at(size_t i);
/* A key's type in words: "integer, 1 to 10000", "duration, 0 to 24h", "one of a, b or c". */
void config_describe_type(const struct config_key *k, char *buf, size_t n);

/*
 * Parses value as k's type and stores it at (char *)base + k->offset, freeing the old string
 * for string types. Returns 0, or -1 with err saying why ("\"abc\" is not an integer (1 to
 * 10000)"), leaving the field untouched. Exposed so tests can cover every type. A CONFIG_MAP
 * row has no single value: -1.
 */
int config_key_parse(const struct config_key *k, const char *value, void *base, char *err,
		     size_t errn);

#endif

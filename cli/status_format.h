#ifndef STINT_CLI_STATUS_FORMAT_H
#define STINT_CLI_STATUS_FORMAT_H

/*
 * The one-line segment of `stint status --short` and `--format` (docs/integrations.md): a
 * template of {field}s, or a preset's name, rendered from one session of the status reply.
 * Pure: no I/O, so a prompt pays only for the rendering.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The longest template accepted, in bytes. */
#define STATUS_FORMAT_MAX 1024
/* The longest line rendered, in bytes; a longer one is cut at a character's boundary. */
#define STATUS_FORMAT_LINE_MAX 4096

/* The template of --short; with --all the repository's name and the other sessions' count. */
#define STATUS_FORMAT_SHORT	"{icon}{ branch}{ active}"
#define STATUS_FORMAT_SHORT_ALL "{icon}{ repo}{ branch}{ active}{ +others}"

enum status_format_kind {
	STATUS_FORMAT_TEMPLATE, /* text with {field}s */
	STATUS_FORMAT_WAYBAR,	/* waybar's custom module JSON: text, tooltip, class, alt */
};

struct status_format {
	enum status_format_kind kind;
	const char *tmpl; /* the template (for WAYBAR: its "text") */
};

/* The presets' names ("short", "waybar"), for status_format_parse and the completions. */
#define STATUS_FORMAT_NPRESETS 2
extern const char *const status_format_presets[STATUS_FORMAT_NPRESETS];

/*
 * Checks spec (a template, or a preset's name: "short", "waybar") and fills f, which points
 * into spec. all: the --all form of the presets. Returns 0, or -1 with err naming what is
 * wrong (an unknown field, a brace without its pair, invalid UTF-8, too long).
 */
int status_format_parse(const char *spec, bool all, struct status_format *f, char *err,
			size_t errn);

/*
 * Renders session (an object of the status reply's "sessions") through f into buf, with others
 * the number of other open sessions counted. Always NUL-terminates; returns the length.
 */
size_t status_format_render(const struct status_format *f, const json_t *session, long others,
			    char *buf, size_t n);

#endif

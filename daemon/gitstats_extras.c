#include "gitstats_extras.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitstats_run.h"
#include "record.h"

/* What a log lists at most: TODO lines, and commits given their paths. */
#define GITSTATS_EXTRAS_MAX_TODO    200
#define GITSTATS_EXTRAS_MAX_COMMITS 200

struct gitstats_extras {
	const char *tree;
	const char *exclude; /* the log directory, relative to the root, or NULL */
	json_t *commits;     /* stats.commit_list */
	json_t *todo;	     /* stats.todo_lines being built */
};

/* A whole upper-case TODO, FIXME or XXX in the line. */
static bool gitstats_extras_has_todo_word(const char *p, size_t n)
{
	static const char *const words[] = {"TODO", "FIXME", "XXX"};

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (isalnum((unsigned char)p[i - 1]) || p[i - 1] == '_'))
			continue;
		for (size_t w = 0; w < 3; w++) {
			size_t wl = strlen(words[w]);

			if (i + wl <= n && memcmp(p + i, words[w], wl) == 0 &&
			    (i + wl == n ||
			     !(isalnum((unsigned char)p[i + wl]) || p[i + wl] == '_')))
				return true;
		}
	}
	return false;
}

static int gitstats_extras_line(void *arg, const char *path, int64_t lineno, const char *line,
				size_t n)
{
	struct gitstats_extras *x = arg;
	size_t el = x->exclude ? strlen(x->exclude) : 0;
	char text[512];

	if (json_array_size(x->todo) >= GITSTATS_EXTRAS_MAX_TODO)
		return 0;
	if (el && strncmp(path, x->exclude, el) == 0 && path[el] == '/')
		return 0;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (!gitstats_extras_has_todo_word(line, n))
		return 0;
	snprintf(text, sizeof(text), "%.*s", (int)(n < sizeof(text) - 1 ? n : sizeof(text) - 1),
		 line);
	json_array_append_new(x->todo, json_pack("{s:s, s:i, s:s}", RECORD_PATH, path, RECORD_LINE,
						 (int)lineno, RECORD_TEXT, text));
	return 0;
}

/* Each listed commit's paths (new names for renames), as the statistics count them. */
static int gitstats_extras_paths(struct gitstats_ctx *c, json_t *commits)
{
	size_t n = json_array_size(commits), *idx = NULL, k;
	char(*oids)[GITSTATS_OID_MAX + 1];
	struct gitstats_cgraph g = {0};
	struct gitstats_commit *out = NULL;
	struct gitstats_strv *paths = NULL;
	int rc;

	if (n > GITSTATS_EXTRAS_MAX_COMMITS)
		n = GITSTATS_EXTRAS_MAX_COMMITS;
	oids = calloc(n + 1, sizeof(*oids));
	if (!oids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *cm = json_array_get(commits, i);
		const char *hex = json_string_value(json_object_get(cm, RECORD_HASH));

		if (!hex)
			hex = json_string_value(json_object_get(cm, RECORD_OID));
		if (hex && strlen(hex) < sizeof(oids[i]))
			memcpy(oids[i], hex, strlen(hex) + 1);
	}
	if ((rc = c->be->parents(c, oids, n, &g)) < 0)
		goto out;
	idx = calloc(g.n + 1, sizeof(*idx));
	out = calloc(g.n + 1, sizeof(*out));
	paths = calloc(g.n + 1, sizeof(*paths));
	if (!idx || !out || !paths) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < g.n; i++)
		idx[i] = i;
	if ((rc = c->be->commits(c, &g, idx, g.n, out, paths)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		json_t *list;

		if (!gitstats_int_omap_get(&g.at, oids[i], &k) || !(list = json_array()))
			continue;
		for (size_t p = 0; p < paths[k].n; p++)
			json_array_append_new(list, json_string(paths[k].v[p]));
		json_object_set_new(json_array_get(commits, i), RECORD_PATHS, list);
	}
out:
	for (size_t i = 0; i < g.n && out && paths; i++) {
		free(out[i].subject);
		free(out[i].author);
		gitstats_int_strv_free(&paths[i]);
	}
	free(out);
	free(paths);
	free(idx);
	free(oids);
	gitstats_int_cgraph_free(&g);
	return rc;
}

static int gitstats_extras_op(struct gitstats_ctx *c, void *arg)
{
	struct gitstats_extras *x = arg;
	const struct gitstats_lines sink = {gitstats_extras_line, x};
	int rc;

	if (json_array_size(x->commits) && (rc = gitstats_extras_paths(c, x->commits)) < 0)
		return rc;
	return c->be->added_lines(c, x->tree, &sink);
}

static void gitstats_extras_reset(void *arg)
{
	json_array_clear(((struct gitstats_extras *)arg)->todo);
}

int gitstats_extras_fill(const char *root, const char *tree, const char *exclude_dir, json_t *stats,
			 char *err, size_t errn)
{
	/* A snapshot that is gone is gone for git too. */
	static const struct gitstats_op op = {gitstats_extras_op, gitstats_extras_reset, -ENOENT};
	struct gitstats_extras x = {.tree = tree,
				    .commits = json_object_get(stats, RECORD_COMMIT_LIST)};
	struct gitstats_ctx c = {.root = root};
	size_t rl = strlen(root);
	int rc;

	if (!json_is_object(stats)) {
		gitstats_int_seterr(err, errn, "%s: no statistics to add to", root);
		return -EINVAL;
	}
	if (!json_is_array(x.commits))
		x.commits = NULL;
	if (exclude_dir && strncmp(exclude_dir, root, rl) == 0 && exclude_dir[rl] == '/')
		x.exclude = exclude_dir + rl + 1;
	x.todo = json_array();
	if (!x.todo) {
		gitstats_int_seterr(err, errn, "%s: out of memory", root);
		return -ENOMEM;
	}
	if (!tree || !gitstats_int_is_hex_oid(tree)) {
		gitstats_int_seterr(err, errn, "no baseline snapshot for %s", root);
		rc = -EINVAL;
	} else {
		rc = gitstats_run_op(&c, &op, &x, err, errn);
	}
	json_object_set_new(stats, RECORD_TODO_LINES, x.todo);
	return rc;
}

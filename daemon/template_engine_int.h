#ifndef STINTD_TEMPLATE_ENGINE_INT_H
#define STINTD_TEMPLATE_ENGINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "template_engine.h"

/* A compiled template, shared by the engine's compiler (template_engine.c) and its renderer
 * (template_engine_render.c), included by them only. */

#define MAX_DEPTH 32
#define MAX_PATH  8
#define MAX_NAME  128
/* Node visits in one rendering: nested loops over the same list must not run for ever. */
#define MAX_STEPS 10000000UL

enum node_type { N_TEXT, N_VAR, N_SECTION, N_INVERTED };

struct node {
	enum node_type type;
	const char *text; /* N_TEXT: into the template's copy of the source */
	size_t len;
	/* Names: resolved at compile time to the scope that declares their first part. */
	char *name; /* the dotted name; path[] points into a split copy after it */
	const char *path[MAX_PATH];
	int npath;
	int depth; /* index of that scope: 0 is the view itself */
	enum template_engine_kind kind;
	bool push;  /* a section on a list or object: its items/object become a scope */
	size_t end; /* sections: index of the node after the section's closing tag */
};

struct template_engine {
	char *src;
	struct node *nodes;
	size_t n, cap;
};

/* A space or a tab. */
bool template_engine_is_blank(char ch);

#endif

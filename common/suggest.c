#include "suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int suggest_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

size_t suggest_distance(const char *a, const char *b)
{
	/* Three rows of the matrix: the one before last (for swaps), the last, this one. */
	size_t rows[3][SUGGEST_MAX_WORD + 1], *pp, *p, *c, *t;
	size_t la = strlen(a), lb = strlen(b);

	if (la > SUGGEST_MAX_WORD || lb > SUGGEST_MAX_WORD)
		return SIZE_MAX;
	pp = rows[0];
	p = rows[1];
	c = rows[2];
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ai = suggest_lower((unsigned char)a[i - 1]);
			int bj = suggest_lower((unsigned char)b[j - 1]);
			size_t v = p[j - 1] + (ai != bj);

			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && ai == suggest_lower((unsigned char)b[j - 2]) &&
			    suggest_lower((unsigned char)a[i - 2]) == bj && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

/* How many edits still make a word of len bytes a typo rather than another word. */
static size_t suggest_limit(size_t len)
{
	return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

void suggest_init(struct suggest *s, const char *word)
{
	memset(s, 0, sizeof(*s));
	s->word = word;
	s->best = SIZE_MAX;
}

void suggest_consider(struct suggest *s, const char *candidate)
{
	size_t d = suggest_distance(s->word, candidate), len = strlen(s->word);

	/* A word that starts the candidate ("stat" of "status") is as near as a one-letter typo:
	 * both are named, as git names "status" for "stat". */
	if (d > 1 && d != SIZE_MAX && len >= 3 && strncasecmp(candidate, s->word, len) == 0)
		d = 1;

	/* Nothing to suggest for the word itself, nor for what needs as many edits as it has;
	 * a word that differs only in case is the nearest of all. */
	if (strcmp(s->word, candidate) == 0 || d == SIZE_MAX ||
	    d > suggest_limit(strlen(s->word)) || d >= strlen(candidate) || d > s->best)
		return;
	if (d < s->best) {
		s->best = d;
		s->n = 0;
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], candidate) == 0)
			return;
	if (s->n < SUGGEST_MAX)
		s->names[s->n++] = candidate;
}

bool suggest_format(const struct suggest *s, const char *prefix, char *buf, size_t n)
{
	size_t off;
	int r;

	if (n)
		buf[0] = '\0';
	if (s->n == 0 || n == 0)
		return false;
	off = (size_t)snprintf(buf, n, "did you mean");
	for (size_t i = 0; i < s->n && off < n; i++) {
		r = snprintf(buf + off, n - off, "%s\"%s%s\"",
			     i == 0	     ? " "
			     : i + 1 == s->n ? " or "
					     : ", ",
			     prefix, s->names[i]);
		if (r < 0)
			break;
		off += (size_t)r;
	}
	if (off < n)
		snprintf(buf + off, n - off, "?");
	return true;
}

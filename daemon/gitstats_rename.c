#include "gitstats_rename.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* Similarity scores as git's diffcore computes them (MAX_SCORE is a double there too). */
#define GITSTATS_RENAME_DEFAULT_SCORE	30000
#define GITSTATS_RENAME_CANDIDATES	4
#define GITSTATS_RENAME_FIRST_FEW_BYTES 8000

static int gitstats_rename_span_cmp(const void *a, const void *b)
{
	const struct gitstats_rename_span *x = a, *y = b;

	return x->hashval < y->hashval ? -1 : x->hashval > y->hashval;
}

/* diffcore-delta.c's hash_chars: the file as spans ending at a newline or 64 bytes.
 */
static int gitstats_rename_hash_chars(const unsigned char *buf, size_t sz, bool is_text,
				      bool final_line, struct gitstats_rename_span **out,
				      size_t *nout)
{
	size_t cap = 512, used = 0, n = 0;
	struct gitstats_rename_span *tab = calloc(cap, sizeof(*tab)), *res;
	unsigned int accum1 = 0, accum2 = 0, hashval;

	if (!tab)
		return -ENOMEM;
	while (sz || (final_line && n > 0)) {
		unsigned int c, old_1 = accum1;
		bool flush;

		if (sz) {
			c = *buf++;
			sz--;
			/* Ignore CR in CRLF sequence if text */
			if (is_text && c == '\r' && sz && *buf == '\n')
				continue;
			accum1 = (accum1 << 7) ^ (accum2 >> 25);
			accum2 = (accum2 << 7) ^ (old_1 >> 25);
			accum1 += c;
			flush = ++n >= 64 || c == '\n';
		} else {
			flush = true;
		}
		if (!flush)
			continue;
		hashval = (accum1 + accum2 * 0x61) % 107927;
		if ((used + 1) * 2 > cap) {
			struct gitstats_rename_span *g = calloc(cap * 2, sizeof(*g));

			if (!g) {
				free(tab);
				return -ENOMEM;
			}
			for (size_t i = 0; i < cap; i++) {
				size_t b;

				if (!tab[i].cnt)
					continue;
				for (b = tab[i].hashval & (cap * 2 - 1); g[b].cnt;
				     b = (b + 1) & (cap * 2 - 1))
					;
				g[b] = tab[i];
			}
			free(tab);
			tab = g;
			cap *= 2;
		}
		for (size_t b = hashval & (cap - 1);; b = (b + 1) & (cap - 1)) {
			if (!tab[b].cnt) {
				tab[b].hashval = hashval;
				tab[b].cnt = (unsigned int)n;
				used++;
				break;
			}
			if (tab[b].hashval == hashval) {
				tab[b].cnt += (unsigned int)n;
				break;
			}
		}
		n = 0;
		accum1 = accum2 = 0;
		if (!sz)
			break;
	}
	res = calloc(used + 1, sizeof(*res));
	if (!res) {
		free(tab);
		return -ENOMEM;
	}
	for (size_t i = 0, k = 0; i < cap; i++)
		if (tab[i].cnt)
			res[k++] = tab[i];
	free(tab);
	qsort(res, used, sizeof(*res), gitstats_rename_span_cmp);
	*out = res;
	*nout = used;
	return 0;
}

/* diffcore_count_changes: bytes of dst copied from src. */
static unsigned long gitstats_rename_count_copied(const struct gitstats_rename_side *s,
						  const struct gitstats_rename_side *d)
{
	unsigned long sc = 0;
	size_t i = 0, j = 0;

	for (; i < s->nsig; i++) {
		unsigned int dst_cnt = 0;

		while (j < d->nsig && d->sig[j].hashval < s->sig[i].hashval)
			j++;
		if (j < d->nsig && d->sig[j].hashval == s->sig[i].hashval)
			dst_cnt = d->sig[j++].cnt;
		sc += s->sig[i].cnt < dst_cnt ? s->sig[i].cnt : dst_cnt;
	}
	return sc;
}

int gitstats_rename_load_workdir(git_repository *repo, bool plain, const char *path, uint32_t mode,
				 struct gitstats_buf *out)
{
	const char *wd = git_repository_workdir(repo);
	char full[PATH_MAX * 2];
	git_filter_list *fl = NULL;
	int rc = 0;

	snprintf(full, sizeof(full), "%s%s", wd, path);
	if (S_ISLNK(mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target));

		return n < 0 ? -errno : gitstats_int_buf_add(out, target, (size_t)n);
	}
	/* Replaced since the scan by a FIFO or a device: not read (it could block forever). */
	{
		struct stat st;

		if (stat(full, &st) < 0)
			return -errno;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
	}
	if (!plain &&
	    git_filter_list_load(&fl, repo, NULL, path, GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT) < 0)
		return -EIO;
	if (fl) {
		git_buf gb = {0};

		if (git_filter_list_apply_to_file(&gb, fl, repo, path) < 0)
			rc = -EIO;
		else
			rc = gitstats_int_buf_add(out, gb.ptr ? gb.ptr : "", gb.size);
		git_buf_dispose(&gb);
		git_filter_list_free(fl);
		return rc;
	}
	{
		int fd = fileio_open_regular(full);
		char chunk[65536];
		ssize_t n;

		if (fd < 0)
			return fd;
		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			if ((rc = gitstats_int_buf_add(out, chunk, (size_t)n)) < 0)
				break;
		if (n < 0)
			rc = -errno;
		close(fd);
		if (rc == 0 && !out->p)
			rc = gitstats_int_buf_add(out, "", 0);
	}
	return rc;
}

static int gitstats_rename_load_side(git_repository *repo, bool plain,
				     const struct gitstats_rename_side *s, struct gitstats_buf *out)
{
	git_blob *blob = NULL;
	int rc;

	if (s->workdir)
		return gitstats_rename_load_workdir(repo, plain, s->path, s->mode, out);
	if (git_blob_lookup(&blob, repo, &s->oid) < 0)
		return -EIO;
	rc = gitstats_int_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return rc;
}

bool gitstats_rename_is_binary(git_repository *repo, bool plain, const char *path, const char *data,
			       size_t size)
{
	const char *v = NULL;

	if (!plain && git_attr_get(&v, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, path, "diff") == 0 &&
	    GIT_ATTR_IS_FALSE(v))
		return true;
	return memchr(data, 0,
		      size < GITSTATS_RENAME_FIRST_FEW_BYTES
			  ? size
			  : GITSTATS_RENAME_FIRST_FEW_BYTES) != NULL;
}

/* Size, id, binary flag and span signature of one side, read once. */
static int gitstats_rename_prepare(struct gitstats_rename *r, struct gitstats_rename_side *s)
{
	struct gitstats_buf b = {0};
	int rc;

	if (s->state)
		return s->state > 0 ? 0 : -1;
	s->state = -1;
	if (S_ISGITLINK(s->mode))
		return s->oid_valid ? (s->state = 1, 0) : -1;
	rc = gitstats_rename_load_side(r->repo, r->plain, s, &b);
	if (rc < 0) {
		gitstats_int_buf_free(&b);
		return -1;
	}
	if (!b.p && gitstats_int_buf_add(&b, "", 0) < 0)
		return -1;
	s->size = b.n;
	if (!s->oid_valid) {
		if (git_odb_hash(&s->oid, b.p, b.n, GIT_OBJECT_BLOB) < 0) {
			gitstats_int_buf_free(&b);
			return -1;
		}
		s->oid_valid = true;
	}
	s->binary = gitstats_rename_is_binary(r->repo, r->plain, s->path, b.p, b.n);
	if (S_ISREG(s->mode) &&
	    gitstats_rename_hash_chars((const unsigned char *)b.p, b.n, !s->binary, r->final_line,
				       &s->sig, &s->nsig) < 0) {
		gitstats_int_buf_free(&b);
		return -1;
	}
	gitstats_int_buf_free(&b);
	s->state = 1;
	return 0;
}

static int gitstats_rename_estimate_similarity(struct gitstats_rename *r,
					       struct gitstats_rename_side *src,
					       struct gitstats_rename_side *dst, int minimum_score)
{
	unsigned long max_size, base_size, delta_size, src_copied;

	/* Symlink renames are handled only when they are exact matches. */
	if (!S_ISREG(src->mode) || !S_ISREG(dst->mode))
		return 0;
	if (gitstats_rename_prepare(r, src) < 0 || gitstats_rename_prepare(r, dst) < 0)
		return 0;
	max_size = src->size > dst->size ? src->size : dst->size;
	base_size = src->size < dst->size ? src->size : dst->size;
	delta_size = max_size - base_size;
	if (max_size * (GITSTATS_RENAME_MAX_SCORE - minimum_score) <
	    delta_size * GITSTATS_RENAME_MAX_SCORE)
		return 0;
	src_copied = gitstats_rename_count_copied(src, dst);
	if (!dst->size)
		return 0;
	return (int)(src_copied * GITSTATS_RENAME_MAX_SCORE / max_size);
}

static int gitstats_rename_basename_same(const char *s, const char *d)
{
	size_t sl = strlen(s), dl = strlen(d);

	while (sl && dl) {
		char c1 = s[--sl], c2 = d[--dl];

		if (c1 != c2)
			return 0;
		if (c1 == '/')
			return 1;
	}
	return (!sl || s[sl - 1] == '/') && (!dl || d[dl - 1] == '/');
}

static const char *gitstats_rename_base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct gitstats_rename_dscore {
	int src, dst;
	unsigned short score;
	short name_score;
	size_t pos; /* position in the matrix: makes qsort stable like git's STABLE_QSORT */
};

static int gitstats_rename_score_compare(const struct gitstats_rename_dscore *a,
					 const struct gitstats_rename_dscore *b)
{
	if (a->dst < 0)
		return 0 <= b->dst;
	else if (b->dst < 0)
		return -1;
	if (a->score == b->score)
		return b->name_score - a->name_score;
	return b->score - a->score;
}

static int gitstats_rename_score_qsort(const void *a, const void *b)
{
	const struct gitstats_rename_dscore *x = a, *y = b;
	int c = gitstats_rename_score_compare(x, y);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static void gitstats_rename_record_if_better(struct gitstats_rename_dscore m[],
					     const struct gitstats_rename_dscore *o)
{
	int worst = 0;

	for (int i = 1; i < GITSTATS_RENAME_CANDIDATES; i++)
		if (gitstats_rename_score_compare(&m[i], &m[worst]) > 0)
			worst = i;
	if (gitstats_rename_score_compare(&m[worst], o) > 0)
		m[worst] = *o;
}

static void gitstats_rename_record_pair(struct gitstats_rename *r, int d, int s, int score)
{
	r->src[s].used++;
	r->dst[d].src = s;
	r->dst[d].score = score;
}

struct gitstats_rename_bname {
	const char *base;
	int idx;
};

static int gitstats_rename_bname_cmp(const void *a, const void *b)
{
	const struct gitstats_rename_bname *x = a, *y = b;
	int c = strcmp(x->base, y->base);

	return c ? c : x->idx - y->idx;
}

/* Sorted basenames of the sources (or destinations) still unpaired. */
static struct gitstats_rename_bname *gitstats_rename_bnames(struct gitstats_rename_side *v,
							    size_t n, bool dst, size_t *out)
{
	struct gitstats_rename_bname *b = calloc(n + 1, sizeof(*b));
	size_t k = 0;

	if (!b)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (dst ? v[i].src < 0 : !v[i].used)
			b[k++] = (struct gitstats_rename_bname){gitstats_rename_base_of(v[i].path),
								(int)i};
	qsort(b, k, sizeof(*b), gitstats_rename_bname_cmp);
	*out = k;
	return b;
}

/* The index of the only entry with this basename, -2 when several, -1 when none. */
static int gitstats_rename_bname_unique(const struct gitstats_rename_bname *b, size_t n,
					const char *base)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(b[mid].base, base) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= n || strcmp(b[lo].base, base) != 0)
		return -1;
	if (lo + 1 < n && strcmp(b[lo + 1].base, base) == 0)
		return -2;
	return b[lo].idx;
}

static int gitstats_rename_oidx_cmp(const void *a, const void *b, void *arg)
{
	const struct gitstats_rename_side *v = arg;
	int x = *(const int *)a, y = *(const int *)b;
	int c = git_oid_cmp(&v[x].oid, &v[y].oid);

	return c ? c : x - y;
}

/* Exact renames: the first unused source with the same content, same basename preferred. */
static int gitstats_rename_exact(struct gitstats_rename *r)
{
	int *byoid = calloc(r->nsrc, sizeof(*byoid));

	if (!byoid)
		return -ENOMEM;
	for (size_t j = 0; j < r->nsrc; j++)
		byoid[j] = (int)j;
	qsort_r(byoid, r->nsrc, sizeof(*byoid), gitstats_rename_oidx_cmp, r->src);
	for (size_t i = 0; i < r->ndst; i++) {
		struct gitstats_rename_side *t = &r->dst[i];
		int best = -1, best_score = -1, tries = 100;
		size_t lo = 0, hi = r->nsrc;

		if (!t->oid_valid && gitstats_rename_prepare(r, t) < 0)
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (git_oid_cmp(&r->src[byoid[mid]].oid, &t->oid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < r->nsrc && git_oid_equal(&r->src[byoid[k]].oid, &t->oid);
		     k++) {
			struct gitstats_rename_side *s = &r->src[byoid[k]];
			int score;

			if ((!S_ISREG(s->mode) || !S_ISREG(t->mode)) && s->mode != t->mode)
				continue;
			if (s->used)
				continue;
			score = 1 + gitstats_rename_basename_same(s->path, t->path);
			if (score > best_score) {
				best = byoid[k];
				best_score = score;
				if (score == 2)
					break;
			}
			if (!--tries)
				break;
		}
		if (best >= 0)
			gitstats_rename_record_pair(r, (int)i, best,
						    (int)GITSTATS_RENAME_MAX_SCORE);
	}
	free(byoid);
	return 0;
}

/* Basenames unique among the remaining sources and destinations, with a higher bar. */
static int gitstats_rename_by_basename(struct gitstats_rename *r, int min_basename_score)
{
	struct gitstats_rename_bname *sb, *db;
	size_t nsb = 0, ndb = 0;

	sb = gitstats_rename_bnames(r->src, r->nsrc, false, &nsb);
	db = gitstats_rename_bnames(r->dst, r->ndst, true, &ndb);
	if (!sb || !db) {
		free(sb);
		free(db);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nsrc; i++) {
		const char *base = gitstats_rename_base_of(r->src[i].path);
		int si, di, score;

		if (r->src[i].used)
			continue;
		di = gitstats_rename_bname_unique(db, ndb, base);
		if (di == -1)
			continue;
		si = gitstats_rename_bname_unique(sb, nsb, base);
		if (si < 0 || di < 0 || r->dst[di].src >= 0)
			continue;
		score = gitstats_rename_estimate_similarity(r, &r->src[si], &r->dst[di],
							    min_basename_score);
		if (score < min_basename_score)
			continue;
		gitstats_rename_record_pair(r, di, si, score);
	}
	free(sb);
	free(db);
	return 0;
}

/* The rest: each destination's best few candidates, then the best scores overall first. */
static int gitstats_rename_inexact(struct gitstats_rename *r, size_t num_dst, int minimum_score)
{
	struct gitstats_rename_dscore *mx;
	size_t dst_cnt = 0;

	mx = calloc(num_dst * GITSTATS_RENAME_CANDIDATES, sizeof(*mx));
	if (!mx)
		return -ENOMEM;
	for (size_t i = 0; i < r->ndst; i++) {
		struct gitstats_rename_dscore *m;

		if (r->dst[i].src >= 0)
			continue;
		m = &mx[dst_cnt * GITSTATS_RENAME_CANDIDATES];
		for (int j = 0; j < GITSTATS_RENAME_CANDIDATES; j++)
			m[j].dst = -1;
		for (size_t j = 0; j < r->nsrc; j++) {
			struct gitstats_rename_dscore this_src;

			if (r->src[j].used)
				continue;
			this_src.score = (unsigned short)gitstats_rename_estimate_similarity(
			    r, &r->src[j], &r->dst[i], minimum_score);
			this_src.name_score =
			    (short)gitstats_rename_basename_same(r->src[j].path, r->dst[i].path);
			this_src.dst = (int)i;
			this_src.src = (int)j;
			this_src.pos = 0;
			gitstats_rename_record_if_better(m, &this_src);
		}
		dst_cnt++;
	}
	for (size_t i = 0; i < dst_cnt * GITSTATS_RENAME_CANDIDATES; i++)
		mx[i].pos = i;
	qsort(mx, dst_cnt * GITSTATS_RENAME_CANDIDATES, sizeof(*mx), gitstats_rename_score_qsort);
	for (size_t i = 0; i < dst_cnt * GITSTATS_RENAME_CANDIDATES; i++) {
		if (mx[i].dst < 0 || mx[i].score < minimum_score)
			break;
		if (r->dst[mx[i].dst].src >= 0)
			continue;
		if (r->src[mx[i].src].used)
			continue;
		gitstats_rename_record_pair(r, mx[i].dst, mx[i].src, mx[i].score);
	}
	free(mx);
	return 0;
}

int gitstats_rename_detect(struct gitstats_rename *r)
{
	const int minimum_score = GITSTATS_RENAME_DEFAULT_SCORE;
	int min_basename_score =
	    minimum_score + (int)(0.5 * (GITSTATS_RENAME_MAX_SCORE - minimum_score));
	size_t num_src = 0, num_dst = 0;
	int rc;

	if (!r->nsrc || !r->ndst)
		return 0;
	if ((rc = gitstats_rename_exact(r)) < 0 ||
	    (rc = gitstats_rename_by_basename(r, min_basename_score)) < 0)
		return rc;
	for (size_t i = 0; i < r->nsrc; i++)
		num_src += !r->src[i].used;
	for (size_t i = 0; i < r->ndst; i++)
		num_dst += r->dst[i].src < 0;
	if (!num_src || !num_dst)
		return 0;
	if (r->rename_limit > 0 &&
	    (double)num_dst * (double)num_src > (double)r->rename_limit * r->rename_limit)
		return 0;
	return gitstats_rename_inexact(r, num_dst, minimum_score);
}

void gitstats_rename_finish(struct gitstats_rename *r)
{
	for (size_t i = 0; r->src && i < r->nsrc; i++) {
		free(r->src[i].sig);
		r->src[i].sig = NULL;
	}
	for (size_t i = 0; r->dst && i < r->ndst; i++) {
		free(r->dst[i].sig);
		r->dst[i].sig = NULL;
	}
}

int gitstats_rename_side_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gitstats_rename_side *)a)->path,
		      ((const struct gitstats_rename_side *)b)->path);
}

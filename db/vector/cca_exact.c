/*
 * cca_exact: the k rows of a table nearest to a query by cosine distance, found by one scan of
 * the heap without the executor (extension version 1.3).
 *
 *   cca_exact_top(tbl regclass, col name, q vector, k int4,
 *                 filter_col name DEFAULT NULL, filter_vals text[] DEFAULT NULL,
 *                 readers_col name DEFAULT NULL, reader_tags text[] DEFAULT NULL) -> tid[]
 *
 * Returns the tids of the k visible rows (under the active snapshot, as a query in the same
 * place would see them) whose `col <=> q` is smallest, nearest first, skipping rows where col
 * is NULL. With filter_col, only rows where `filter_col = ANY (filter_vals)` count (a text
 * column of a deterministic collation, so equality is equality of the bytes). With
 * readers_col, only rows where `readers_col && reader_tags` (a text[] column: the row's reader
 * tags overlap the caller's; NULL readers, NULL or empty tags and NULL elements never match):
 * a definer passes its caller's tags, so the rows it returns are rows the caller may read and
 * nothing about the others leaves it (db/migrations/031). NULL q or k: NULL. Every row whose distance equals the k-th distance is returned too, so the result
 * holds the exact top k under any order of ties (a caller that breaks ties by id finds its rows
 * among them): more than k tids when rows tie there, all of the rows when there are fewer than k.
 * A NaN distance (a zero vector) sorts after every number, as in ORDER BY.
 *
 * The distances are the ones `<=>` gives (the same kernel and the same arithmetic), so a caller
 * that ranks the returned rows again with `<=>` gets the same order. The function only chooses
 * rows: it reads no row that a plain `SELECT col FROM tbl` could not, but it does not apply
 * row-level security, so it refuses to run where the table's policies apply to the current user
 * (call it from a definer that returns ids, and rank them as the caller, so the policies filter
 * the rows). It needs SELECT on the table or on the column.
 *
 * Why not SQL: an executor scan spends much of its time outside the distance kernel (tuple
 * slots, the expression interpreter, the row-level security qual, the sort's tuple copies).
 * This loop reads each page as a sequential scan in page mode does (heapgetpage's steps: the
 * buffer, opportunistic pruning, visibility under a share lock), finds the column with
 * heap_getattr, and keeps a bounded heap of the k best. Three pages are in flight: block b is
 * pinned and its header asked for, block b - 1 pruned and listed and its tuples' first lines
 * asked for, block b - 2 ranked. Measured against heapgetpage with the next page's whole
 * tuples prefetched: about 10 % less CPU per scan (db/vector/README.md, "Exact search without
 * the executor"); heap_page_prune_opt still waits on the page header's miss. Once the heap
 * holds k rows, a row is first screened with float sums (cca_vector_cosine_screen, about half
 * the CPU of the double kernel) and ranked in double only when the screen cannot show it is
 * farther than the k-th by more than the screen's error bound (see "The screen" below): the
 * same rows and distances, about 25 ms less per 100,000 rows.
 */
#include "cca_vector.h"

#include <math.h>

#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/predicate.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "cca_vector_dist.h"

struct exact_hit
{
	double		d;
	ItemPointerData tid;
};

/* ORDER BY's order on float8: NaN after every number, NaN equal to NaN */
static inline int
dist_cmp(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return a < b ? -1 : a > b;
}

/*
 * The k best so far: a max-heap on the distance (the worst at the root), and the rows that tie
 * with the root but are not in the heap.
 */
struct exact_top
{
	int			k;
	int			size;
	struct exact_hit *heap;
	int			nties;
	int			tiecap;
	struct exact_hit *ties;
};

static void
top_sift_down(struct exact_hit *heap, int size, int i)
{
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					w = i;
		struct exact_hit t;

		if (l < size && dist_cmp(heap[l].d, heap[w].d) > 0)
			w = l;
		if (r < size && dist_cmp(heap[r].d, heap[w].d) > 0)
			w = r;
		if (w == i)
			return;
		t = heap[i];
		heap[i] = heap[w];
		heap[w] = t;
		i = w;
	}
}

static void
top_add_tie(struct exact_top *top, struct exact_hit h)
{
	if (top->nties == top->tiecap)
	{
		top->tiecap = top->tiecap ? 2 * top->tiecap : 16;
		top->ties = top->ties ? repalloc_huge(top->ties, sizeof(*top->ties) * (size_t) top->tiecap)
			: palloc(sizeof(*top->ties) * (size_t) top->tiecap);
	}
	top->ties[top->nties++] = h;
}

static void
top_add(struct exact_top *top, double d, BlockNumber blk, OffsetNumber off)
{
	struct exact_hit h;
	int			c;

	h.d = d;
	ItemPointerSet(&h.tid, blk, off);
	if (top->size < top->k)
	{
		int			i = top->size++;

		top->heap[i] = h;
		while (i > 0 && dist_cmp(top->heap[i].d, top->heap[(i - 1) / 2].d) > 0)
		{
			int			p = (i - 1) / 2;
			struct exact_hit t = top->heap[i];

			top->heap[i] = top->heap[p];
			top->heap[p] = t;
			i = p;
		}
		return;
	}
	c = dist_cmp(d, top->heap[0].d);
	if (c > 0)
		return;
	if (c == 0)
	{
		top_add_tie(top, h);
		return;
	}
	/* better than the worst: it leaves the heap, and stays as a tie if the new worst equals it */
	{
		struct exact_hit out = top->heap[0];

		top->heap[0] = h;
		top_sift_down(top->heap, top->size, 0);
		if (dist_cmp(top->heap[0].d, out.d) == 0)
			top_add_tie(top, out);
		else
			top->nties = 0;
	}
}

static int
hit_cmp(const void *pa, const void *pb)
{
	struct exact_hit a = *(const struct exact_hit *) pa,
				b = *(const struct exact_hit *) pb;
	int			c = dist_cmp(a.d, b.d);

	if (c != 0)
		return c;
	return ItemPointerCompare(&a.tid, &b.tid);
}

/* the visible tuples of one pinned page */
struct exact_page
{
	Buffer		buf;
	BlockNumber blk;
	int			ntuples;
	OffsetNumber offs[MaxHeapTuplesPerPage];
};

/* reads and pins a block (a shared buffer's lookup), and asks for its header and line pointers */
static void
page_read(struct exact_page *p, Relation rel, BlockNumber blk, BufferAccessStrategy strategy)
{
	const char *page;

	p->buf = ReadBufferExtended(rel, MAIN_FORKNUM, blk, RBM_NORMAL, strategy);
	p->blk = blk;
	p->ntuples = 0;
	page = (const char *) BufferGetPage(p->buf);
	__builtin_prefetch(page, 0, 3);
	__builtin_prefetch(page + 64, 0, 3);
}

/*
 * What heapgetpage does in page mode: prune the page if that is due, then, under a share lock,
 * list the tuples visible to the snapshot (all of them on an all-visible page), with the checks
 * of serializable transactions.
 */
static void
page_visible(struct exact_page *p, Relation rel, Snapshot snapshot)
{
	Page		page;
	OffsetNumber lines;
	bool		all_visible;
	int			n = 0;

	heap_page_prune_opt(rel, p->buf);
	LockBuffer(p->buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(p->buf);
	TestForOldSnapshot(snapshot, rel, page);
	lines = PageGetMaxOffsetNumber(page);
	all_visible = PageIsAllVisible(page) && !snapshot->takenDuringRecovery;
	for (OffsetNumber off = FirstOffsetNumber; off <= lines; off++)
	{
		ItemId		lp = PageGetItemId(page, off);
		HeapTupleData tup;
		bool		valid;

		if (!ItemIdIsNormal(lp))
			continue;
		tup.t_tableOid = RelationGetRelid(rel);
		tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tup.t_len = ItemIdGetLength(lp);
		ItemPointerSet(&tup.t_self, p->blk, off);
		valid = all_visible || HeapTupleSatisfiesVisibility(&tup, snapshot, p->buf);
		HeapCheckForSerializableConflictOut(valid, rel, &tup, p->buf, snapshot);
		if (valid)
			p->offs[n++] = off;
	}
	LockBuffer(p->buf, BUFFER_LOCK_UNLOCK);
	p->ntuples = n;
}

/*
 * Ask for the start of a page's visible tuples (their headers and first columns, which
 * heap_getattr reads first). Not the whole tuple: the kernel prefetches the vector 3 KB ahead
 * as it sums, and prefetching all 6 KB of every tuple too filled the CPU's miss queue (the
 * prefetch instructions themselves stalled; measured no faster).
 */
#define EXACT_PREFETCH_BYTES 256

static void
page_prefetch(const struct exact_page *p)
{
	Page		page = BufferGetPage(p->buf);

	for (int i = 0; i < p->ntuples; i++)
	{
		ItemId		lp = PageGetItemId(page, p->offs[i]);
		const char *t = (const char *) PageGetItem(page, lp);
		unsigned	len = Min(ItemIdGetLength(lp), EXACT_PREFETCH_BYTES);

		for (unsigned o = 0; o < len; o += 64)
			__builtin_prefetch(t + o, 0, 3);
	}
}

/*
 * A text column and a set of strings, for the two filters: filter_col = ANY (vals) (a text
 * column) and readers_col && tags (a text[] column). Byte equality: both columns have a
 * deterministic collation; NULL strings are left out (they never match).
 */
struct exact_texts
{
	AttrNumber	attnum;			/* InvalidAttrNumber: no filter, every row */
	int			n;
	const char **vals;
	int		   *lens;
};

static bool
texts_has(const struct exact_texts *f, const char *data, int len)
{
	for (int i = 0; i < f->n; i++)
		if (f->lens[i] == len && memcmp(f->vals[i], data, len) == 0)
			return true;
	return false;
}

/* the rows to rank: filter_col = ANY (vals) */

static bool
filter_match(const struct exact_texts *f, HeapTuple tup, TupleDesc desc, MemoryContext tmp)
{
	bool		isnull;
	Datum		d;
	text	   *t;
	const char *data;
	int			len;

	if (f->attnum == InvalidAttrNumber)
		return true;
	d = heap_getattr(tup, f->attnum, desc, &isnull);
	if (isnull)
		return false;
	t = (text *) DatumGetPointer(d);
	if (VARATT_IS_EXTERNAL(t) || VARATT_IS_COMPRESSED(t))
	{
		MemoryContext old = MemoryContextSwitchTo(tmp);

		t = pg_detoast_datum_packed(t);
		MemoryContextSwitchTo(old);
	}
	data = VARDATA_ANY(t);
	len = VARSIZE_ANY_EXHDR(t);
	return texts_has(f, data, len);
}

/* the rows a caller may read: readers_col && tags */
/* 018's policy, `readers && tags`, on one row (text[] overlap: byte equality, NULLs never match) */
static bool
readers_match(const struct exact_texts *r, HeapTuple tup, TupleDesc desc, MemoryContext tmp)
{
	bool		isnull;
	Datum		d;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	bool		found = false;
	MemoryContext old;

	if (r->attnum == InvalidAttrNumber)
		return true;
	if (r->n == 0)
		return false;
	d = heap_getattr(tup, r->attnum, desc, &isnull);
	if (isnull)
		return false;
	old = MemoryContextSwitchTo(tmp);
	arr = DatumGetArrayTypeP(d);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < n && !found; i++)
	{
		const text *t;
		const char *data;
		int			len;

		if (nulls[i])
			continue;
		t = (const text *) DatumGetPointer(elems[i]);
		data = VARDATA_ANY(t);
		len = VARSIZE_ANY_EXHDR(t);
		found = texts_has(r, data, len);
	}
	return found;
}

/*
 * The screen: most rows of a scan are far from the k best found so far, and the float kernel
 * (cca_vector_cosine_screen) shows that for about half the CPU of the double one. A row is
 * ranked with the double kernel (the distance `<=>` gives) unless its screened distance is
 * above the worst of a full heap by more than the margin, which bounds the difference between
 * the two distances; so every row the heap would keep or tie is ranked exactly, and the result
 * is the same as without the screen.
 *
 * The margin: from the bound in cca_vector_dist.h, with N = sqrt(a . a b . b) and
 * sum |a[i] b[i]| <= N, the screened dot product is within g N and a . a within g a . a, so the
 * similarity dot / sqrt(norm_a b . b) is within g + g / 2 + O(g^2) < 2 g of the exact one;
 * clamping to [-1, 1] keeps that. The margin is 8 g (about 1e-4 at 1536 dimensions): the double
 * kernel's own error and the underflow term (both squared norms at least 1e-30) are below
 * 1e-10, and below 1e37 nothing comes near float's range (the exact kernel maps sums past it to
 * infinity). Outside those norms, and for a NaN at the root, rows are ranked exactly.
 */
#define SCREEN_NORM_MIN 1e-30
#define SCREEN_NORM_MAX 1e37

struct exact_screen
{
	bool		on;				/* the query's squared norm is in range */
	double		norm_q;			/* q . q */
	double		margin;
};

static void
screen_setup(struct exact_screen *sc, const struct vector *q)
{
	struct cca_vector_sums s;
	double		m = 2.0 * ((q->dim + CCA_SCREEN_LANES - 1) / CCA_SCREEN_LANES) + 2.0;
	double		u = ldexp(1.0, -24);

	cca_vector_cosine_sums(q->x, q->x, q->dim, &s);
	sc->norm_q = s.norm_a;
	sc->on = s.norm_a >= SCREEN_NORM_MIN && s.norm_a <= SCREEN_NORM_MAX;
	sc->margin = 8.0 * (m * u / (1.0 - m * u));
}

/* true when the row at v is provably farther than worst, the root of a full heap */
static bool
screen_rejects(const struct exact_screen *sc, const struct vector *v, const struct vector *q,
			   double worst)
{
	double		dot,
				na,
				sim;

	cca_vector_cosine_screen(v->x, q->x, v->dim, &dot, &na);
	if (!(na >= SCREEN_NORM_MIN && na <= SCREEN_NORM_MAX) || !isfinite(dot))
		return false;
	sim = dot / sqrt(na * sc->norm_q);
	sim = sim > 1.0 ? 1.0 : sim < -1.0 ? -1.0 : sim;
	return 1.0 - sim > worst + sc->margin;
}

/* whether top_add would keep a row at distance d */
static inline bool
top_wants(const struct exact_top *top, double d)
{
	return top->size < top->k || dist_cmp(d, top->heap[0].d) <= 0;
}

static void
page_rank(const struct exact_page *p, Relation rel, AttrNumber attnum, const struct vector *q,
		  const struct exact_screen *screen, const struct exact_texts *filter,
		  const struct exact_texts *readers, struct exact_top *top, MemoryContext tmp)
{
	Page		page = BufferGetPage(p->buf);
	TupleDesc	desc = RelationGetDescr(rel);

	for (int i = 0; i < p->ntuples; i++)
	{
		ItemId		lp = PageGetItemId(page, p->offs[i]);
		HeapTupleData tup;
		Datum		d;
		bool		isnull;
		struct vector *v;
		struct cca_vector_sums s;
		double		dist;

		tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
		tup.t_len = ItemIdGetLength(lp);
		tup.t_tableOid = RelationGetRelid(rel);
		ItemPointerSet(&tup.t_self, p->blk, p->offs[i]);
		d = heap_getattr(&tup, attnum, desc, &isnull);
		if (isnull || !filter_match(filter, &tup, desc, tmp))
			continue;
		/* no copy for an inline vector with a 4-byte header (PLAIN storage); else detoasted */
		if (VARATT_IS_EXTENDED(DatumGetPointer(d)))
		{
			MemoryContext old = MemoryContextSwitchTo(tmp);

			v = (struct vector *) PG_DETOAST_DATUM(d);
			MemoryContextSwitchTo(old);
		}
		else
			v = (struct vector *) DatumGetPointer(d);
		/* as `col <=> q` does: cosine_distance(col, q), unless the screen shows it is too far */
		cca_check_same_dims("vector", v->dim, q->dim);
		if (screen->on && top->size == top->k && !isnan(top->heap[0].d) &&
			screen_rejects(screen, v, q, top->heap[0].d))
			continue;
		cca_vector_cosine_sums(v->x, q->x, v->dim, &s);
		dist = cca_cosine_distance(&s);

		/*
		 * The readers only for a row that would be kept: the distance has brought the tuple into
		 * the cache (readers follows the vector), and most rows are not kept.
		 */
		if (top_wants(top, dist) && readers_match(readers, &tup, desc, tmp))
			top_add(top, dist, p->blk, p->offs[i]);
	}
	MemoryContextReset(tmp);
}

/*
 * A filter's column (of type typid, "text" or "text[]" in messages, with a deterministic
 * collation; the caller needs SELECT on it) and its strings (vals NULL: none, so no row).
 * what names the argument in messages ("filter", "readers").
 */
static void
texts_setup(struct exact_texts *f, Relation rel, Name col, Oid typid, const char *what,
			ArrayType *vals)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), NameStr(*col));
	Form_pg_attribute att;
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (attnum == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("column \"%s\" of relation \"%s\" does not exist",
							   NameStr(*col), RelationGetRelationName(rel))));
	att = attnum > 0 ? TupleDescAttr(RelationGetDescr(rel), attnum - 1) : NULL;
	if (att == NULL || att->atttypid != typid || !get_collation_isdeterministic(att->attcollation))
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("cca_exact_top: %s column \"%s\" is not of type %s with a "
							   "deterministic collation", what, NameStr(*col),
							   typid == TEXTOID ? "text" : "text[]")));
	if (pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT) != ACLCHECK_OK &&
		pg_attribute_aclcheck(RelationGetRelid(rel), attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(rel->rd_rel->relkind),
					   RelationGetRelationName(rel));
	f->attnum = attnum;
	f->n = 0;
	if (vals == NULL)
		return;
	deconstruct_array(vals, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	f->vals = palloc(sizeof(*f->vals) * (size_t) Max(n, 1));
	f->lens = palloc(sizeof(*f->lens) * (size_t) Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		text	   *t;

		if (nulls[i])
			continue;
		t = DatumGetTextPP(elems[i]);
		f->vals[f->n] = VARDATA_ANY(t);
		f->lens[f->n] = VARSIZE_ANY_EXHDR(t);
		f->n++;
	}
}

PG_FUNCTION_INFO_V1(cca_exact_top);
Datum
cca_exact_top(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Name		col;
	struct vector *q;
	int32		k;
	Oid			vectype = get_fn_expr_argtype(fcinfo->flinfo, 2);
	struct exact_texts filter = {InvalidAttrNumber, 0, NULL, NULL};
	struct exact_texts readers = {InvalidAttrNumber, 0, NULL, NULL};
	Relation	rel;
	AttrNumber	attnum;
	Snapshot	snapshot;
	TableScanDesc scan;
	HeapScanDesc hscan;
	struct exact_top top = {0};
	struct exact_screen screen;
	struct exact_page pages[3];
	MemoryContext tmp;
	Datum	   *out;
	int			n;
	AclResult	acl;

	for (int a = 0; a < 4; a++)
		if (PG_ARGISNULL(a))
			PG_RETURN_NULL();
	relid = PG_GETARG_OID(0);
	col = PG_GETARG_NAME(1);
	q = PG_GETARG_VECTOR_P(2);
	k = PG_GETARG_INT32(3);
	if (k < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("cca_exact_top: k must not be negative")));
	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rel->relkind != RELKIND_RELATION && rel->rd_rel->relkind != RELKIND_MATVIEW)
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
						errmsg("cca_exact_top: \"%s\" is not a table", RelationGetRelationName(rel))));
	if (rel->rd_tableam != GetHeapamTableAmRoutine())
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("cca_exact_top: table \"%s\" does not use the heap access method",
							   RelationGetRelationName(rel))));
	attnum = get_attnum(relid, NameStr(*col));
	if (attnum == InvalidAttrNumber)
		ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
						errmsg("column \"%s\" of relation \"%s\" does not exist",
							   NameStr(*col), RelationGetRelationName(rel))));
	if (attnum < 0 || TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid != vectype)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("cca_exact_top: column \"%s\" is not of type vector", NameStr(*col))));
	acl = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		acl = pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT);
	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("cca_exact_top: row-level security applies to table \"%s\"",
							   RelationGetRelationName(rel)),
						errhint("Call it from a function whose owner the policies do not apply to, "
								"and rank the rows it returns as the caller.")));

	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		texts_setup(&filter, rel, PG_GETARG_NAME(4), TEXTOID, "filter",
					PG_NARGS() > 5 && !PG_ARGISNULL(5) ? PG_GETARG_ARRAYTYPE_P(5) : NULL);
	if (PG_NARGS() > 6 && !PG_ARGISNULL(6))
		texts_setup(&readers, rel, PG_GETARG_NAME(6), TEXTARRAYOID, "readers",
					PG_NARGS() > 7 && !PG_ARGISNULL(7) ? PG_GETARG_ARRAYTYPE_P(7) : NULL);

	screen_setup(&screen, q);
	top.k = k;
	top.heap = palloc(sizeof(*top.heap) * (size_t) Max(k, 1));
	tmp = AllocSetContextCreate(CurrentMemoryContext, "cca_exact_top", ALLOCSET_DEFAULT_SIZES);
	snapshot = GetActiveSnapshot();
	/* a sequential scan's buffer strategy; from block 0 (no synchronised start) */
	scan = table_beginscan_strat(rel, snapshot, 0, NULL, true, false);
	hscan = (HeapScanDesc) scan;
	pages[0].buf = pages[1].buf = pages[2].buf = InvalidBuffer;
	if (k > 0)
	{
		BlockNumber nblocks = hscan->rs_nblocks;

		/*
		 * Three pages in flight: block b is read and pinned (its header asked for), block b - 1
		 * pruned and listed (its tuples asked for), block b - 2 ranked.
		 */
		for (BlockNumber b = 0; b < nblocks + 2; b++)
		{
			CHECK_FOR_INTERRUPTS();
			if (b < nblocks)
				page_read(&pages[b % 3], rel, b, hscan->rs_strategy);
			if (b >= 1 && b - 1 < nblocks)
			{
				page_visible(&pages[(b - 1) % 3], rel, snapshot);
				page_prefetch(&pages[(b - 1) % 3]);
			}
			if (b >= 2)
			{
				struct exact_page *p = &pages[(b - 2) % 3];

				page_rank(p, rel, attnum, q, &screen, &filter, &readers, &top, tmp);
				ReleaseBuffer(p->buf);
				p->buf = InvalidBuffer;
			}
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	MemoryContextDelete(tmp);

	/* the heap and the ties, nearest first */
	n = top.size + top.nties;
	if (top.nties > 0)
	{
		top.heap = repalloc_huge(top.heap, sizeof(*top.heap) * (size_t) Max(n, 1));
		memcpy(top.heap + top.size, top.ties, sizeof(*top.ties) * (size_t) top.nties);
	}
	qsort(top.heap, n, sizeof(*top.heap), hit_cmp);
	out = palloc(sizeof(Datum) * (size_t) Max(n, 1));
	for (int i = 0; i < n; i++)
		out[i] = PointerGetDatum(&top.heap[i].tid);
	PG_RETURN_ARRAYTYPE_P(construct_array(out, n, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT));
}

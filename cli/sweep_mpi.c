/* A sweep over MPI ranks (`mpirun -np N tessel sweep ...`, docs/sweep.md):
 * rank 0 hands out the points and records what comes back; the other
 * ranks run them.  Work goes out one group at a time, on request (the
 * fastest rank takes the next), a group being the points whose
 * descriptions have one fingerprint: the tuning records a point reuses are
 * those of its fingerprint, so running each group in order on one rank
 * gives what one process gives.  Built without MPI, or run without mpirun,
 * a sweep is one process. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hwdesc/hw.h"
#include "sweep.h"
#include "tensorize/search.h"

#ifdef TESSEL_MPI
#include <mpi.h>

enum { TAG_REQUEST = 1, TAG_WORK, TAG_RESULT, TAG_OPS };

/* Only a process mpirun started joins MPI: every other tessel run stays a
 * plain process (MPI_Init as a singleton is slow and leaves threads). */
static bool launched_by_mpirun(void)
{
	return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
}

int sw_mpi_start(int *argc, char ***argv, int *rank)
{
	*rank = 0;
	if (!launched_by_mpirun())
		return 1;
	int size = 1;
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		return -1;
	MPI_Comm_rank(MPI_COMM_WORLD, rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	return size;
}

void sw_mpi_end(int size)
{
	if (size > 1 || launched_by_mpirun())
		MPI_Finalize();
}

/* The points not done, grouped by fingerprint (a point whose description
 * does not load is a group of its own), in order of their first point. */
static uint64_t *group_points(const struct sweep *s, const bool *done, uint64_t *ngroups, uint64_t **start)
{
	uint64_t n = 0, *key = xcalloc(s->npoints + 1, sizeof *key), *order = xcalloc(s->npoints + 1, sizeof *order);
	*start = xcalloc(s->npoints + 2, sizeof **start);
	for (uint64_t i = 0; i < s->npoints; i++) {
		int vi[SW_MAX_AXES];
		char why[256];
		struct hw hw;
		struct diags err = {0};
		sw_point_values(s, i, vi);
		char *text = sw_apply(s, vi, why, sizeof why);
		key[i] = text && !hw_load_string(text, "point", &hw, &err) ? hw_fingerprint(&hw) : ~i;
		diag_free(&err);
		free(text);
	}
	*ngroups = 0;
	bool *taken = xcalloc(s->npoints + 1, sizeof *taken);
	for (uint64_t i = 0; i < s->npoints; i++) {
		if (done[i] || taken[i])
			continue;
		(*start)[(*ngroups)++] = n;
		for (uint64_t j = i; j < s->npoints; j++)
			if (!done[j] && !taken[j] && key[j] == key[i])
				taken[j] = true, order[n++] = j;
	}
	(*start)[*ngroups] = n;
	free(taken);
	free(key);
	return order;
}

static void send_point(const struct sw_point *p)
{
	struct sw_point copy = *p;
	copy.op = NULL;
	MPI_Send(&copy, (int)sizeof copy, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
	MPI_Send(p->op, (int)(p->nops * (int)sizeof *p->op), MPI_BYTE, 0, TAG_OPS, MPI_COMM_WORLD);
}

static void recv_point(int from, struct sw_point *p)
{
	MPI_Recv(p, (int)sizeof *p, MPI_BYTE, from, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	p->op = p->nops ? xcalloc((size_t)p->nops, sizeof *p->op) : NULL;
	MPI_Recv(p->op, (int)(p->nops * (int)sizeof *p->op), MPI_BYTE, from, TAG_OPS, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* OpenMPI's blocking probe spins: rank 0, which only hands out work,
 * would keep a core from the ranks that do it.  It looks every `micros`
 * microseconds instead. */
void sw_mpi_wait(MPI_Status *status, long micros)
{
	int flag = 0;
	for (;;) {
		MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, status);
		if (flag)
			return;
		nanosleep(&(struct timespec){0, micros * 1000}, NULL);
	}
}

int sw_mpi_lead(const struct sweep *s, struct sw_store *st, struct sw_point *pts, bool *done, int size, bool ok,
		struct diags *err)
{
	uint64_t ngroups = 0, *start = NULL, *order = ok ? group_points(s, done, &ngroups, &start) : NULL;
	uint64_t next = 0;
	int working = size - 1, rc = ok ? 0 : -1;
	while (working > 0) {
		MPI_Status status;
		sw_mpi_wait(&status, 1000); /* a point takes a second or so */
		int from = status.MPI_SOURCE;
		if (status.MPI_TAG == TAG_REQUEST) {
			MPI_Recv(NULL, 0, MPI_BYTE, from, TAG_REQUEST, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			uint64_t n = !rc && next < ngroups ? start[next + 1] - start[next] : 0;
			MPI_Send(n ? &order[start[next]] : NULL, (int)n, MPI_UINT64_T, from, TAG_WORK, MPI_COMM_WORLD);
			next += n > 0;
			working -= n == 0;
			continue;
		}
		struct sw_point p;
		recv_point(from, &p);
		if (p.index >= s->npoints || done[p.index]) { /* a rank's bug: never recorded twice */
			free(p.op);
			continue;
		}
		pts[p.index] = p;
		done[p.index] = true;
		if (!rc && sw_store_put(st, &pts[p.index], err))
			rc = -1; /* the ranks are stopped at their next request */
	}
	free(order);
	free(start);
	return rc;
}

int sw_mpi_follow(const struct sweep *s, struct tz_records *db)
{
	uint64_t idx[SW_MAX_POINTS < 4096 ? SW_MAX_POINTS : 4096];
	for (;;) {
		MPI_Status status;
		int n = 0;
		MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_REQUEST, MPI_COMM_WORLD);
		MPI_Probe(0, TAG_WORK, MPI_COMM_WORLD, &status);
		MPI_Get_count(&status, MPI_UINT64_T, &n);
		uint64_t *group = n <= (int)(sizeof idx / sizeof idx[0]) ? idx : xcalloc((size_t)n, sizeof *group);
		MPI_Recv(group, n, MPI_UINT64_T, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		for (int i = 0; i < n; i++) {
			struct sw_point p;
			struct diags err = {0};
			sw_run_point(s, group[i], db, &p);
			if (db && tz_records_commit(db, &err) && p.status == SW_OK) {
				p.status = SW_FAILED;
				snprintf(p.why, sizeof p.why, "%s", err.v[0].msg);
			}
			diag_free(&err);
			send_point(&p);
			free(p.op);
		}
		if (group != idx)
			free(group);
		if (n == 0)
			return 0;
	}
}

#else /* without MPI: one process */

int sw_mpi_start(int *argc, char ***argv, int *rank)
{
	(void)argc, (void)argv;
	*rank = 0;
	return 1;
}

void sw_mpi_end(int size) { (void)size; }

int sw_mpi_lead(const struct sweep *s, struct sw_store *st, struct sw_point *pts, bool *done, int size, bool ok,
		struct diags *err)
{
	(void)s, (void)st, (void)pts, (void)done, (void)size, (void)ok, (void)err;
	return -1;
}

int sw_mpi_follow(const struct sweep *s, struct tz_records *db)
{
	(void)s, (void)db;
	return -1;
}
#endif

/* handoff.h: the lock, the two conditions and the thread of a batch
 * hand-over between two threads (pipeline.c: pass 2's reader, or pass 1
 * itself in one pass; recahead.c: pass 1's read-ahead; outq.c: the output
 * thread).  Each module keeps its own ring of batches and protocol; this
 * is only their common setup and teardown. */
#ifndef INC_HANDOFF_H
#define INC_HANDOFF_H

#include <pthread.h>

typedef struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t filled;	/* a batch was handed to the consumer */
	pthread_cond_t emptied; /* a batch was given back to the producer */
	pthread_t thread;
	void *(*fn)(void *); /* the helper's work, started by handoff_start */
	void *arg;
} handoff;

/* Initialises h and starts fn(arg) on a new thread, a helper of the calling
 * thread: it runs at a slightly lower priority (nice +HANDOFF_NICE, for this
 * thread only), so that when the three threads of a run want the two
 * cores the evaluating thread, which the others wait for, keeps one
 * (3-6% of the wall time of the peer benchmark's 1M events, paired runs).
 * Returns 0, or -1 with nothing left to destroy. */
int handoff_start(handoff *h, void *(*fn)(void *), void *arg);
/* Joins the thread (the caller has told it to stop) and destroys h. */
void handoff_join(handoff *h);

#endif

/* handoff.h: the lock, the two conditions and the thread of a batch
 * hand-over between two threads (pipeline.c: pass 2's reader; recahead.c:
 * pass 1's read-ahead; outq.c: the output thread).  Each module keeps its
 * own ring of batches and protocol; this is only their common setup and
 * teardown. */
#ifndef INC_HANDOFF_H
#define INC_HANDOFF_H

#include <pthread.h>

typedef struct handoff {
	pthread_mutex_t mu;
	pthread_cond_t filled;	/* a batch was handed to the consumer */
	pthread_cond_t emptied; /* a batch was given back to the producer */
	pthread_t thread;
} handoff;

/* Initialises h and starts fn(arg) on a new thread.  Returns 0, or -1 with
 * nothing left to destroy. */
int handoff_start(handoff *h, void *(*fn)(void *), void *arg);
/* Joins the thread (the caller has told it to stop) and destroys h. */
void handoff_join(handoff *h);

#endif

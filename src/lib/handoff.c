/* handoff.c: see handoff.h. */
#include "handoff.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HANDOFF_NICE 3

static void *helper_main(void *arg)
{
	handoff *h = arg;
	id_t self = (id_t)syscall(SYS_gettid);
	int nice;

	/* relative to the creator's (inherited), never above it; a failure
	 * leaves the priority as it was */
	errno = 0;
	nice = getpriority(PRIO_PROCESS, self);
	if (errno == 0)
		(void)setpriority(PRIO_PROCESS, self, nice + HANDOFF_NICE);
	return h->fn(h->arg);
}

int handoff_start(handoff *h, void *(*fn)(void *), void *arg)
{
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&h->filled, NULL) != 0)
		goto no_filled;
	if (pthread_cond_init(&h->emptied, NULL) != 0)
		goto no_emptied;
	h->fn = fn;
	h->arg = arg;
	if (pthread_create(&h->thread, NULL, helper_main, h) != 0)
		goto no_thread;
	return 0;
no_thread:
	pthread_cond_destroy(&h->emptied);
no_emptied:
	pthread_cond_destroy(&h->filled);
no_filled:
	pthread_mutex_destroy(&h->mu);
	return -1;
}

void handoff_join(handoff *h)
{
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->emptied);
	pthread_cond_destroy(&h->filled);
	pthread_mutex_destroy(&h->mu);
}

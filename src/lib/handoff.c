/* handoff.c: see handoff.h. */
#include "handoff.h"

int handoff_start(handoff *h, void *(*fn)(void *), void *arg)
{
	if (pthread_mutex_init(&h->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&h->filled, NULL) != 0)
		goto no_filled;
	if (pthread_cond_init(&h->emptied, NULL) != 0)
		goto no_emptied;
	if (pthread_create(&h->thread, NULL, fn, arg) != 0)
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

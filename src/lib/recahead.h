/*
 * recahead.h: the records of one input file split out (CSV or JSON Lines
 * parsing, record.h) on a second thread while the first checks them.
 *
 * Pass 1 of the event source (evsrc.c) reads every line and checks it
 * before anything is evaluated, on the thread that then evaluates: while
 * it runs, nothing else does.  Splitting the lines into fields is a third
 * to a half of its work and needs nothing of the checker's state, so a
 * reader thread does it ahead and hands the records over in batches of
 * copies through a small bounded ring.  The consumer sees exactly the
 * records, in exactly the order, that rec_next would give it.
 */
#ifndef INC_RECAHEAD_H
#define INC_RECAHEAD_H

#include "record.h"

typedef struct recahead recahead;

/* Starts a thread reading rd's records from where rd stands.  rd belongs
 * to the thread until recahead_stop.  Returns 0, or -1 when no thread can
 * be started (read with rec_next instead). */
int recahead_start(recahead **out, rec_reader *rd);
/* Like rec_next: 1 and *out (borrowed until the next call), 0 at the end
 * (or after a record marked fatal), -1 when the file cannot be read
 * (rec_errmsg(rd), after recahead_stop), -2 when out of memory. */
int recahead_next(recahead *a, rec *out);
/* Stops the thread (it may be ahead of the consumer), waits for it and
 * frees everything.  NULL is a no-op. */
void recahead_stop(recahead *a);

#endif

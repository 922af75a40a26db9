/*
 * The daemon's clock (daemon.h): the engine's `now`, read by the event loop
 * and by the handlers it calls (address watchers, start-up), so it lives
 * below all of them rather than in loop.c.
 */
#include "daemon.h"

#include <time.h>

uint64_t pctld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

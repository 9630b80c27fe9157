/*
** psock: deadlines on the monotonic clock, and waiting for one descriptor.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <sys/socket.h>
#include <math.h>
#include <poll.h>
#include <time.h>

#include "psock.h"

double psock_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The deadline of a call starting now: < 0 when the socket has no timeout. */
double psock_deadline(const psock_Socket *s) {
  return s->timeout > 0 ? psock_now() + s->timeout : -1.0;
}

/* Milliseconds left until deadline for poll(), rounded up so that a wait
   never ends just before the deadline and spins; -1 waits forever. */
static int aux_pollms(double deadline, int *expired) {
  double left;
  *expired = 0;
  if (deadline < 0)
    return -1;
  left = deadline - psock_now();
  if (left <= 0) {
    *expired = 1;
    return 0;
  }
  left = ceil(left * 1000.0);
  return left > 86400000.0 ? 86400000 : (int)left;  /* re-checked on wake */
}

/* Wait until fd is ready for events or the deadline passes: 0, or
   PSOCK_ETIMEOUT, or an errno.  A signal (EINTR) only recomputes the time
   left.  Error and hang-up count as ready: the caller's retry reports them. */
int psock_waitfd(int fd, short events, double deadline) {
  struct pollfd pfd;
  int expired, n;
  pfd.fd = fd;
  pfd.events = events;
  for (;;) {
    int ms = aux_pollms(deadline, &expired);
    if (expired)
      return PSOCK_ETIMEOUT;
    pfd.revents = 0;
    n = poll(&pfd, 1, ms);
    if (n > 0)
      return 0;
    if (n < 0 && errno != EINTR)
      return errno;
  }
}

/* How long a call with these flags may wait: MSG_DONTWAIT never waits. */
double psock_calltimeout(const psock_Socket *s, int flags) {
  return (flags & MSG_DONTWAIT) ? 0.0 : s->timeout;
}

/* A call failed with err.  Return 0 to make it again, or the error to
   report.  A signal retries at once; would-block on a socket with a timeout
   waits for readiness until the deadline, which starts at the first wait
   (everything before it was non-blocking). */
int psock_again(const psock_Socket *s, double timeout, int err,
                short events, double *deadline) {
  if (err == EINTR)
    return 0;
  if ((err == EAGAIN || err == EWOULDBLOCK) && timeout > 0) {
    if (*deadline < 0)
      *deadline = psock_now() + timeout;
    return psock_waitfd(s->fd, events, *deadline);
  }
  return err;
}

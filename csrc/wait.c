/*
** psock: deadlines on the monotonic clock, and waiting for one descriptor.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <sys/socket.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
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
   never ends just before the deadline and spins; -1 waits forever.  A
   deadline that has passed gives 0 and *expired: the caller still makes
   that one non-blocking check, so a timeout of 0 polls once. */
int psock_pollms(double deadline, int *expired) {
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
    int ms = psock_pollms(deadline, &expired);
    if (expired)  /* the call that would block was the last check */
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

/* A timeout argument in seconds (nil: no limit) as a deadline. */
double psock_optdeadline(lua_State *L, int arg) {
  double t;
  if (lua_isnoneornil(L, arg))
    return -1.0;
  t = luaL_checknumber(L, arg);
  luaL_argcheck(L, t >= 0, arg, "timeout must be a non-negative number");
  return isinf(t) ? -1.0 : psock_now() + t;
}

/* Fill pfd[0..n-1] from the array at arg, waiting for events. */
static void aux_fillpoll(lua_State *L, int arg, struct pollfd *pfd,
                         lua_Integer n, short events) {
  lua_Integer i;
  for (i = 1; i <= n; i++) {
    lua_geti(L, arg, i);
    pfd[i - 1].fd = psock_tofd(L, -1);
    if (pfd[i - 1].fd < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "socket or descriptor "
                    "expected at index %d, got %s", (int)i,
                    luaL_typename(L, -1)));
    pfd[i - 1].events = events;
    pfd[i - 1].revents = 0;
    lua_pop(L, 1);
  }
}

static int aux_byfd(const void *a, const void *b) {
  const struct pollfd *x = *(const struct pollfd *const *)a;
  const struct pollfd *y = *(const struct pollfd *const *)b;
  return (x->fd > y->fd) - (x->fd < y->fd);
}

/* poll(2) takes at most RLIMIT_NOFILE entries, and the arrays may hold
   more than there are descriptors: the same socket in both, or twice in
   one.  Then each descriptor is polled once, in the entries merged[0..]
   with the events of all its entries; slot[i] is where entry i is.
   Returns how many merged entries there are. */
static nfds_t aux_merge(lua_State *L, const struct pollfd *pfd, nfds_t n,
                        struct pollfd *merged, nfds_t *slot) {
  const struct pollfd **order = (const struct pollfd **)lua_newuserdatauv(
      L, (size_t)n * sizeof *order, 0);
  nfds_t i, k = 0;
  for (i = 0; i < n; i++)
    order[i] = &pfd[i];
  qsort(order, (size_t)n, sizeof *order, aux_byfd);
  for (i = 0; i < n; i++) {
    if (k == 0 || merged[k - 1].fd != order[i]->fd) {
      merged[k] = *order[i];
      k++;
    }
    else
      merged[k - 1].events |= order[i]->events;
    slot[order[i] - pfd] = k - 1;
  }
  lua_pop(L, 1);
  return k;
}

/* A new array of the entries of the array at arg that are ready: entry i
   is in pfd[slot ? slot[i] : i].  0 when one named a descriptor that is
   not open. */
static int aux_pushready(lua_State *L, int arg, const struct pollfd *pfd,
                         const nfds_t *slot, lua_Integer n, short events) {
  lua_Integer i;
  int k = 0;
  lua_newtable(L);
  for (i = 0; i < n; i++) {
    short revents = pfd[slot ? slot[i] : (nfds_t)i].revents;
    if (revents & POLLNVAL)
      return 0;
    if (revents & (events | POLLERR | POLLHUP)) {
      lua_geti(L, arg, i + 1);
      lua_rawseti(L, -2, ++k);
    }
  }
  return 1;
}

/* psock.select(readers, writers [, timeout]) -> ready readers, ready
   writers (empty arrays on timeout) | nil, msg, errno.  Built on poll(2),
   so any descriptor number works. */
int psock_mod_select(lua_State *L) {
  lua_Integer nr, nw;
  double deadline;
  struct pollfd *pfd, *polled;
  nfds_t npolled, *slot = NULL;
  int expired, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  deadline = psock_optdeadline(L, 3);
  nr = luaL_len(L, 1);
  nw = luaL_len(L, 2);
  luaL_argcheck(L, nr >= 0 && nr <= 1 << 24, 1, "bad array length");
  luaL_argcheck(L, nw >= 0 && nw <= 1 << 24, 2, "bad array length");
  pfd = (struct pollfd *)lua_newuserdatauv(L, (size_t)(nr + nw + 1)
                                              * sizeof *pfd, 0);
  aux_fillpoll(L, 1, pfd, nr, POLLIN);
  aux_fillpoll(L, 2, pfd + nr, nw, POLLOUT);
  polled = pfd;
  npolled = (nfds_t)(nr + nw);
  for (;;) {
    int ms = psock_pollms(deadline, &expired);
    n = poll(polled, npolled, ms);
    if (n > 0)
      break;
    if (n < 0 && errno == EINVAL && slot == NULL && npolled > 1) {
      /* more entries than RLIMIT_NOFILE: poll each descriptor once */
      polled = (struct pollfd *)lua_newuserdatauv(L, (size_t)npolled
                                                  * sizeof *polled, 0);
      slot = (nfds_t *)lua_newuserdatauv(L, (size_t)npolled * sizeof *slot,
                                         0);
      npolled = aux_merge(L, pfd, npolled, polled, slot);
      continue;
    }
    if (n < 0 && errno != EINTR)
      return psock_fail(L, errno);
    if (expired) {
      lua_newtable(L);
      lua_newtable(L);
      return 2;
    }
  }
  if (!aux_pushready(L, 1, polled, slot, nr, POLLIN | POLLPRI)
      || !aux_pushready(L, 2, slot ? polled : polled + nr,
                        slot ? slot + nr : NULL, nw, POLLOUT))
    return psock_fail(L, EBADF);
  return 2;
}

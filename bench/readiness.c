/*
** The C baseline of bench/readiness.lua: the cost of finding the one ready
** descriptor among N idle ones, with epoll_wait (and poll, for reference).
**
**   cc -O2 -o /tmp/readiness bench/readiness.c
**   /tmp/readiness epoll 10000      (prints microseconds per call)
**
** N idle descriptors are N/2 Unix socketpairs with both ends registered
** for reading; one more pair has a byte waiting on one end, which is
** registered too.  Each call is epoll_wait(ep, events, 256, -1) (or poll
** on all N + 1), which returns that one descriptor.  The figure is the
** median of 5 runs, each long enough (about 0.2 s) to time reliably.
** Needs a descriptor limit above N + 3: `ulimit -n 20000` for N = 10000.
*/
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RUNS 5
#define MAXEVENTS 256

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static int epfd = -1;
static struct pollfd *pfds;
static int npfds;

/* One wait; exits if it does not find exactly the one ready descriptor. */
static void wait_once(int use_epoll) {
  int n;
  if (use_epoll) {
    struct epoll_event events[MAXEVENTS];
    n = epoll_wait(epfd, events, MAXEVENTS, -1);
  }
  else
    n = poll(pfds, (nfds_t)npfds, -1);
  if (n != 1)
    die("wait");
}

/* Seconds per call over iters calls. */
static double run(int use_epoll, long iters) {
  double t0 = now();
  long i;
  for (i = 0; i < iters; i++)
    wait_once(use_epoll);
  return (now() - t0) / (double)iters;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void watch(int fd) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    die("epoll_ctl");
  pfds[npfds].fd = fd;
  pfds[npfds].events = POLLIN;
  npfds++;
}

int main(int argc, char **argv) {
  int use_epoll, idle, i, sv[2];
  long iters = 1;
  double times[RUNS];
  if (argc != 3 || (strcmp(argv[1], "epoll") != 0 && strcmp(argv[1], "poll") != 0)) {
    fprintf(stderr, "usage: %s epoll|poll N\n", argv[0]);
    return 2;
  }
  use_epoll = strcmp(argv[1], "epoll") == 0;
  idle = atoi(argv[2]);
  if (idle < 0 || idle % 2 != 0) {
    fprintf(stderr, "N must be even and not negative\n");
    return 2;
  }
  if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
    die("epoll_create1");
  if ((pfds = calloc((size_t)idle + 1, sizeof *pfds)) == NULL)
    die("calloc");
  for (i = 0; i < idle / 2; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      die("socketpair");
    watch(sv[0]);
    watch(sv[1]);
  }
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    die("socketpair");
  if (write(sv[1], "x", 1) != 1)
    die("write");
  watch(sv[0]);
  /* Calibrate: double the count until a run takes 50 ms, then aim at 0.2 s. */
  while (run(use_epoll, iters) * (double)iters < 0.05)
    iters *= 2;
  iters = (long)(0.2 / run(use_epoll, iters)) + 1;
  for (i = 0; i < RUNS; i++)
    times[i] = run(use_epoll, iters);
  qsort(times, RUNS, sizeof times[0], compare);
  printf("%.3f\n", times[RUNS / 2] * 1e6);
  return 0;  /* the descriptors go with the process */
}

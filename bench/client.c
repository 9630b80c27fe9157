/*
** bench/client.c: the C reference client, plain blocking system calls, the
** way a C programmer would write each workload.
**
**   client WORKLOAD SECONDS MAXOPS ARGS...
**
** runs WORKLOAD for SECONDS (checked every few operations) or MAXOPS
** operations, whichever ends first, against bench/peer, and prints one line:
**
**   ops=N seconds=S ops_per_sec=R [mib_per_sec=M]
**
**   tcp_bulk HOST PORT          64 KiB send()s to the sink, then shutdown
**   unix_bulk PATH              and wait for the sink's byte count (an op
**                               is one 64 KiB write)
**   tcp_bulk_8k HOST PORT       the same with 8 KiB send()s
**   tcp_pingpong HOST PORT      64 bytes out, 64 bytes back (TCP_NODELAY)
**   unix_pingpong PATH
**   udp_pingpong HOST PORT      sendto 64 bytes, recvfrom the echo
**   udp_recv_blast HOST PORT    receive bursts of 128 64-byte datagrams
**                               that the blaster has queued, with recvfrom
**                               (only the receiving is timed)
**   udp_recv_blast_mmsg ...     the same with recvmmsg, 64 per call
**   udp_send_blast HOST PORT    sendto 64-byte datagrams to the sink
**   udp_send_blast_mmsg ...     the same with sendmmsg, 64 per call
**   connect_accept HOST PORT    socket, connect, close (the peer accepts)
**   readiness N                 epoll_wait finding the one ready socket
**                               among N idle ones (N/2 socketpairs)
*/
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MSG_SIZE 64        /* ping-pong messages and blast datagrams */
#define CHUNK 65536        /* bulk writes (tcp_bulk_8k: SMALL_CHUNK) */
#define SMALL_CHUNK 8192
#define DGRAM_BUF 2048     /* receive buffer for one datagram */
#define BATCH 64           /* datagrams per recvmmsg / sendmmsg */
#define BURST 128          /* blast: datagrams queued before each drain */
#define CHECK 16           /* look at the clock every CHECK operations */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static size_t chunk_size = CHUNK;

static void report(long ops, double seconds, int bulk) {
  printf("ops=%ld seconds=%.6f ops_per_sec=%.1f", ops, seconds,
         (double)ops / seconds);
  if (bulk)
    printf(" mib_per_sec=%.2f",
           (double)ops * (double)chunk_size / 1048576.0 / seconds);
  printf("\n");
}

static struct sockaddr_in inet_addr_of(const char *host, const char *port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)atoi(port));
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "bad address %s\n", host);
    exit(2);
  }
  return a;
}

static int connect_inet(const char *host, const char *port) {
  struct sockaddr_in a = inet_addr_of(host, port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    die("socket");
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
    die("connect");
  return fd;
}

static int connect_unix(const char *path) {
  struct sockaddr_un a;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0)
    die("socket");
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) {
    fprintf(stderr, "path too long\n");
    exit(2);
  }
  strcpy(a.sun_path, path);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
    die("connect");
  return fd;
}

static void send_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      die("send");
    }
    p += w;
    len -= (size_t)w;
  }
}

static void recv_exactly(int fd, char *p, size_t len) {
  while (len > 0) {
    ssize_t r = recv(fd, p, len, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      die(r == 0 ? "recv: end of stream" : "recv");
    p += r;
    len -= (size_t)r;
  }
}

/* ---- streams ---- */

static void bulk(int fd, double seconds, long maxops) {
  static char chunk[CHUNK];
  char reply[64];
  size_t got = 0;
  long ops = 0;
  double t0, deadline;
  memset(chunk, 'x', sizeof chunk);
  t0 = now();
  deadline = t0 + seconds;
  while (ops < maxops && now() < deadline) {
    send_all(fd, chunk, chunk_size);
    ops++;
  }
  if (shutdown(fd, SHUT_WR) != 0)
    die("shutdown");
  for (;;) {  /* the sink's count, then end of stream */
    ssize_t r = recv(fd, reply + got, sizeof reply - 1 - got, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      die("recv");
    if (r == 0 || got + (size_t)r >= sizeof reply - 1)
      break;
    got += (size_t)r;
  }
  reply[got] = '\0';
  if (strtoull(reply, NULL, 10) != (unsigned long long)ops * chunk_size) {
    fprintf(stderr, "sink counted %s, sent %ld chunks\n", reply, ops);
    exit(1);
  }
  report(ops, now() - t0, 1);
  close(fd);
}

static void pingpong(int fd, double seconds, long maxops) {
  char msg[MSG_SIZE], back[MSG_SIZE];
  long ops = 0;
  double t0, deadline;
  memset(msg, 'p', sizeof msg);
  t0 = now();
  deadline = t0 + seconds;
  while (ops < maxops && (ops % CHECK != 0 || now() < deadline)) {
    send_all(fd, msg, sizeof msg);
    recv_exactly(fd, back, sizeof back);
    ops++;
  }
  report(ops, now() - t0, 0);
  close(fd);
}

/* ---- datagrams ---- */

static int udp_socket(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0)
    die("socket");
  return fd;
}

static void udp_pingpong(const struct sockaddr_in *to, double seconds,
                         long maxops) {
  char msg[MSG_SIZE], back[DGRAM_BUF];
  int fd = udp_socket();
  long ops = 0;
  double t0, deadline;
  memset(msg, 'u', sizeof msg);
  t0 = now();
  deadline = t0 + seconds;
  while (ops < maxops && (ops % CHECK != 0 || now() < deadline)) {
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    if (sendto(fd, msg, sizeof msg, 0, (const struct sockaddr *)to,
               sizeof *to) < 0)
      die("sendto");
    if (recvfrom(fd, back, sizeof back, 0, (struct sockaddr *)&from, &len) < 0)
      die("recvfrom");
    ops++;
  }
  report(ops, now() - t0, 0);
  close(fd);
}

/* Bursts of BURST datagrams: ask the blaster for one from the control
   socket, wait for its "D" (the whole burst is then queued on the data
   socket), and time only the receiving of the burst.  Runs until SECONDS
   of wall time have passed; the rate is datagrams per second of receiving. */
static void recv_blast(const struct sockaddr_in *to, int mmsg, double seconds,
                       long maxops) {
  static char bufs[BATCH][DGRAM_BUF];
  struct sockaddr_storage names[BATCH];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  struct sockaddr_in self;
  socklen_t selflen = sizeof self;
  char request[32], reply[64];
  int data = udp_socket(), ctl = udp_socket(), i, len;
  long ops = 0;
  double timed = 0, deadline = now() + seconds;
  memset(&self, 0, sizeof self);
  self.sin_family = AF_INET;
  self.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(data, (struct sockaddr *)&self, sizeof self) != 0 ||
      getsockname(data, (struct sockaddr *)&self, &selflen) != 0)
    die("bind");
  len = snprintf(request, sizeof request, "B %d %u", BURST,
                 ntohs(self.sin_port));
  memset(msgs, 0, sizeof msgs);
  for (i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = DGRAM_BUF;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  while (ops < maxops && now() < deadline) {
    double t0;
    int got = 0;
    if (sendto(ctl, request, (size_t)len, 0, (const struct sockaddr *)to,
               sizeof *to) < 0)
      die("sendto");
    if (recv(ctl, reply, sizeof reply, 0) < 0)
      die("recv");
    t0 = now();
    while (got < BURST) {
      if (mmsg) {
        int n;
        for (i = 0; i < BATCH; i++) {
          msgs[i].msg_hdr.msg_name = &names[i];
          msgs[i].msg_hdr.msg_namelen = sizeof names[i];
        }
        n = recvmmsg(data, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n < 0)
          die("recvmmsg");
        got += n;
      }
      else {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        if (recvfrom(data, bufs[0], DGRAM_BUF, 0, (struct sockaddr *)&from,
                     &fromlen) < 0)
          die("recvfrom");
        got++;
      }
    }
    timed += now() - t0;
    ops += got;
  }
  report(ops, timed, 0);
  close(data);
  close(ctl);
}

static void send_blast(const struct sockaddr_in *to, int mmsg, double seconds,
                       long maxops) {
  char msg[MSG_SIZE];
  struct iovec iov;
  struct mmsghdr msgs[BATCH];
  int fd = udp_socket(), i;
  long ops = 0, checked = 0;
  double t0, deadline;
  memset(msg, 'b', sizeof msg);
  iov.iov_base = msg;
  iov.iov_len = sizeof msg;
  memset(msgs, 0, sizeof msgs);
  for (i = 0; i < BATCH; i++) {
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = (void *)to;
    msgs[i].msg_hdr.msg_namelen = sizeof *to;
  }
  t0 = now();
  deadline = t0 + seconds;
  while (ops < maxops) {
    if (mmsg) {
      int n = sendmmsg(fd, msgs, BATCH, 0);
      if (n < 0)
        die("sendmmsg");
      ops += n;
    }
    else {
      if (sendto(fd, msg, sizeof msg, 0, (const struct sockaddr *)to,
                 sizeof *to) < 0)
        die("sendto");
      ops++;
    }
    if (ops - checked >= BATCH) {
      checked = ops;
      if (now() >= deadline)
        break;
    }
  }
  report(ops, now() - t0, 0);
  close(fd);
}

/* ---- connections ---- */

static void connect_accept(const struct sockaddr_in *to, double seconds,
                           long maxops) {
  long ops = 0;
  double t0 = now(), deadline = t0 + seconds;
  while (ops < maxops && (ops % CHECK != 0 || now() < deadline)) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      die("socket");
    if (connect(fd, (const struct sockaddr *)to, sizeof *to) != 0)
      die("connect");
    close(fd);
    ops++;
  }
  report(ops, now() - t0, 0);
}

/* ---- readiness ---- */

static void readiness(long n, double seconds, long maxops) {
  struct epoll_event ev, events[256];
  int ep = epoll_create1(0), sv[2];
  long i, ops = 0;
  double t0, deadline;
  if (ep < 0)
    die("epoll_create1");
  if (n < 0 || n % 2 != 0) {
    fprintf(stderr, "N must be even\n");
    exit(2);
  }
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  for (i = 0; i <= n / 2; i++) {
    int k;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
      die("socketpair");
    for (k = 0; k < 2; k++) {
      if (i == n / 2 && k == 1)
        break;  /* the ready pair: only the end that has a byte waiting */
      ev.data.fd = sv[k];
      if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[k], &ev) != 0)
        die("epoll_ctl");
    }
  }
  if (write(sv[1], "x", 1) != 1)
    die("write");
  t0 = now();
  deadline = t0 + seconds;
  while (ops < maxops && (ops % CHECK != 0 || now() < deadline)) {
    if (epoll_wait(ep, events, 256, -1) != 1)
      die("epoll_wait");
    ops++;
  }
  report(ops, now() - t0, 0);
}

int main(int argc, char **argv) {
  const char *w;
  double seconds;
  long maxops;
  struct sockaddr_in to;
  if (argc < 5) {
    fprintf(stderr, "usage: %s WORKLOAD SECONDS MAXOPS ARGS...\n", argv[0]);
    return 2;
  }
  w = argv[1];
  seconds = atof(argv[2]);
  maxops = atol(argv[3]);
  if (strcmp(w, "unix_bulk") == 0 || strcmp(w, "unix_pingpong") == 0) {
    int fd = connect_unix(argv[4]);
    if (w[5] == 'b')
      bulk(fd, seconds, maxops);
    else
      pingpong(fd, seconds, maxops);
    return 0;
  }
  if (strcmp(w, "readiness") == 0) {
    readiness(atol(argv[4]), seconds, maxops);
    return 0;
  }
  if (argc < 6) {
    fprintf(stderr, "%s needs HOST PORT\n", w);
    return 2;
  }
  to = inet_addr_of(argv[4], argv[5]);
  if (strcmp(w, "tcp_bulk_8k") == 0)
    chunk_size = SMALL_CHUNK;
  if (strcmp(w, "tcp_bulk") == 0 || strcmp(w, "tcp_bulk_8k") == 0)
    bulk(connect_inet(argv[4], argv[5]), seconds, maxops);
  else if (strcmp(w, "tcp_pingpong") == 0) {
    int fd = connect_inet(argv[4], argv[5]), on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
      die("setsockopt");
    pingpong(fd, seconds, maxops);
  }
  else if (strcmp(w, "udp_pingpong") == 0)
    udp_pingpong(&to, seconds, maxops);
  else if (strcmp(w, "udp_recv_blast") == 0)
    recv_blast(&to, 0, seconds, maxops);
  else if (strcmp(w, "udp_recv_blast_mmsg") == 0)
    recv_blast(&to, 1, seconds, maxops);
  else if (strcmp(w, "udp_send_blast") == 0)
    send_blast(&to, 0, seconds, maxops);
  else if (strcmp(w, "udp_send_blast_mmsg") == 0)
    send_blast(&to, 1, seconds, maxops);
  else if (strcmp(w, "connect_accept") == 0)
    connect_accept(&to, seconds, maxops);
  else {
    fprintf(stderr, "unknown workload %s\n", w);
    return 2;
  }
  return 0;
}

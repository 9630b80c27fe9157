/*
** bench/peer.c: the one peer process that serves every benchmark client.
**
**   peer DIR
**
** Listens on 127.0.0.1 (ephemeral ports) and on Unix paths under DIR, then
** prints one line naming them, for example
**
**   tcp_echo=41000 tcp_sink=41001 udp_echo=41003 udp_blast=41004
**   udp_sink=41005 unix_echo=DIR/echo.sock unix_sink=DIR/sink.sock
**   tcp_accept=41006,41007,...
**
** (on one line) and serves until it is killed, its standard input reaches end
** of file, or LIFETIME seconds have passed, whichever comes first.
**
** One thread per listening socket, and one more per accepted stream
** connection, all with plain blocking calls, so the peer's own cost per
** operation is the least a server can do: an echo is one read and one
** write, a sink is one read per MiB, an accept is accept4 and close.
**
**   tcp_echo, unix_echo   echo every byte back (ping-pong)
**   tcp_sink, unix_sink   read and discard; at end of stream write the byte
**                         count in decimal and a newline, then close (bulk)
**   tcp_accept            accept and close at once (connect rate): 128
**                         listeners, one per run (see ACCEPT_PORTS)
**   udp_echo              send each datagram back to its sender
**   udp_sink              receive and discard, 64 datagrams per recvmmsg
**   udp_blast             on "B count port" from a client's control socket,
**                         send count 64-byte datagrams (sendmmsg, 64 a
**                         call) to 127.0.0.1:port, the client's data
**                         socket, then "D count" to the control socket: the
**                         burst is queued in full before the client starts
**                         its clock, so the client times only its receives
*/
#define _GNU_SOURCE

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LIFETIME 1800        /* seconds: the peer never outlives this */
#define ECHO_BUF 65536
#define SINK_BUF (1 << 20)
#define DGRAM_BUF 2048
#define BATCH 64
#define BLAST_SIZE 64
#define MAX_BLAST 4096
/* Listeners for the connect rate: each run connects to a port of its own.
   A run leaves thousands of client ports in TIME_WAIT for 60 s; the next
   connections to the same address and port have to search past them for a
   free one (about 14,000 ports serve connect() here) and the rate falls
   tenfold; to another port the 4-tuples are new and every port is free. */
#define ACCEPT_PORTS 128

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* ---- stream connections ---- */

enum { MODE_ECHO, MODE_SINK, MODE_ACCEPT };

typedef struct Listener {
  int fd;
  int mode;
} Listener;

typedef struct Conn {
  int fd;
  int mode;
} Conn;

static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

static void *conn_thread(void *arg) {
  Conn c = *(Conn *)arg;
  size_t size = c.mode == MODE_ECHO ? ECHO_BUF : SINK_BUF;
  char *buf = malloc(size);
  unsigned long long total = 0;
  free(arg);
  if (buf == NULL) {
    close(c.fd);
    return NULL;
  }
  for (;;) {
    ssize_t r = recv(c.fd, buf, size, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (c.mode == MODE_ECHO) {
      if (write_all(c.fd, buf, (size_t)r) != 0)
        break;
    }
    else
      total += (unsigned long long)r;
  }
  if (c.mode == MODE_SINK) {
    char line[32];
    int n = snprintf(line, sizeof line, "%llu\n", total);
    (void)write_all(c.fd, line, (size_t)n);
  }
  free(buf);
  close(c.fd);
  return NULL;
}

static void *listen_thread(void *arg) {
  Listener *l = arg;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  for (;;) {
    pthread_t t;
    Conn *c;
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
          errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        continue;
      die("accept4");
    }
    if (l->mode == MODE_ACCEPT) {
      close(fd);
      continue;
    }
    if ((c = malloc(sizeof *c)) == NULL) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->mode = l->mode;
    if (pthread_create(&t, &attr, conn_thread, c) != 0) {
      close(fd);
      free(c);
    }
  }
  return NULL;
}

/* ---- datagrams ---- */

static void *udp_echo_thread(void *arg) {
  int fd = *(int *)arg;
  char buf[DGRAM_BUF];
  for (;;) {
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    if (r < 0)
      continue;
    (void)sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, len);
  }
  return NULL;
}

static void *udp_sink_thread(void *arg) {
  int fd = *(int *)arg, i;
  static char bufs[BATCH][DGRAM_BUF];
  struct iovec iov[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = DGRAM_BUF;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;)
    (void)recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
  return NULL;
}

/* "B count port" from a client: send count 64-byte datagrams to
   127.0.0.1:port (its data socket), 64 per sendmmsg, then "D count" back to
   the sender of the request (its control socket). */
static void *udp_blast_thread(void *arg) {
  int fd = *(int *)arg, i;
  static char payload[BLAST_SIZE];
  struct iovec iov;
  struct mmsghdr msgs[BATCH];
  struct sockaddr_in to;
  char ctl[DGRAM_BUF];
  memset(payload, 'x', sizeof payload);
  iov.iov_base = payload;
  iov.iov_len = sizeof payload;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  memset(msgs, 0, sizeof msgs);
  for (i = 0; i < BATCH; i++) {
    msgs[i].msg_hdr.msg_iov = &iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
  }
  for (;;) {
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof from;
    long count = 0, port = 0, sent = 0;
    char reply[32];
    int n;
    ssize_t r = recvfrom(fd, ctl, sizeof ctl - 1, 0, (struct sockaddr *)&from,
                         &fromlen);
    if (r <= 0)
      continue;
    ctl[r] = '\0';
    if (sscanf(ctl, "B %ld %ld", &count, &port) != 2 || count < 0 ||
        count > MAX_BLAST || port < 1 || port > 65535)
      continue;
    to.sin_port = htons((unsigned short)port);
    while (sent < count) {
      int k = sendmmsg(fd, msgs, (unsigned)(count - sent < BATCH
                                            ? count - sent : BATCH), 0);
      if (k < 0 && errno != EINTR)
        break;
      if (k > 0)
        sent += k;
    }
    n = snprintf(reply, sizeof reply, "D %ld", sent);
    (void)sendto(fd, reply, (size_t)n, 0, (struct sockaddr *)&from, fromlen);
  }
  return NULL;
}

/* ---- set-up ---- */

static int inet_socket(int type, unsigned short *port) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), on = 1;
  if (fd < 0)
    die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
    die("bind");
  if (type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)
    die("listen");
  if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
    die("getsockname");
  *port = ntohs(a.sin_port);
  return fd;
}

static int unix_listener(const char *path) {
  struct sockaddr_un a;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die("socket");
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path) {
    fprintf(stderr, "peer: path too long: %s\n", path);
    exit(1);
  }
  strcpy(a.sun_path, path);
  unlink(path);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
    die("bind unix");
  if (listen(fd, SOMAXCONN) != 0)
    die("listen");
  return fd;
}

static void start(void *(*fn)(void *), void *arg) {
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&t, &attr, fn, arg) != 0)
    die("pthread_create");
  pthread_attr_destroy(&attr);
}

int main(int argc, char **argv) {
  static Listener listeners[4 + ACCEPT_PORTS];
  static int udp_fds[3];
  static char echo_path[256], sink_path[256];
  unsigned short ports[5], accept_ports[ACCEPT_PORTS];
  int i;
  char c;
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  alarm(LIFETIME);  /* SIGALRM's default action ends the process */
  snprintf(echo_path, sizeof echo_path, "%s/echo.sock", argv[1]);
  snprintf(sink_path, sizeof sink_path, "%s/sink.sock", argv[1]);

  listeners[0].fd = inet_socket(SOCK_STREAM, &ports[0]);
  listeners[0].mode = MODE_ECHO;
  listeners[1].fd = inet_socket(SOCK_STREAM, &ports[1]);
  listeners[1].mode = MODE_SINK;
  listeners[2].fd = unix_listener(echo_path);
  listeners[2].mode = MODE_ECHO;
  listeners[3].fd = unix_listener(sink_path);
  listeners[3].mode = MODE_SINK;
  for (i = 0; i < ACCEPT_PORTS; i++) {
    listeners[4 + i].fd = inet_socket(SOCK_STREAM, &accept_ports[i]);
    listeners[4 + i].mode = MODE_ACCEPT;
  }
  udp_fds[0] = inet_socket(SOCK_DGRAM, &ports[2]);
  udp_fds[1] = inet_socket(SOCK_DGRAM, &ports[3]);
  udp_fds[2] = inet_socket(SOCK_DGRAM, &ports[4]);

  for (i = 0; i < 4 + ACCEPT_PORTS; i++)
    start(listen_thread, &listeners[i]);
  start(udp_echo_thread, &udp_fds[0]);
  start(udp_blast_thread, &udp_fds[1]);
  start(udp_sink_thread, &udp_fds[2]);

  printf("tcp_echo=%u tcp_sink=%u udp_echo=%u udp_blast=%u udp_sink=%u "
         "unix_echo=%s unix_sink=%s tcp_accept=", ports[0], ports[1], ports[2],
         ports[3], ports[4], echo_path, sink_path);
  for (i = 0; i < ACCEPT_PORTS; i++)
    printf(i == 0 ? "%u" : ",%u", accept_ports[i]);
  printf("\n");
  fflush(stdout);
  /* Serve until standard input ends (the runner has gone) or a signal. */
  for (;;) {
    ssize_t r = read(0, &c, 1);
    if (r == 0 || (r < 0 && errno != EINTR))
      break;
  }
  unlink(echo_path);
  unlink(sink_path);
  return 0;
}

/*
** psock: messages beyond send/recv: descriptor passing (SCM_RIGHTS), peer
** credentials, batches of datagrams (recvmmsg/sendmmsg), sendfile, and
** fdopen for the descriptors that arrive.
*/
#define _GNU_SOURCE  /* recvmmsg, sendmmsg, struct ucred, MSG_CMSG_CLOEXEC */

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "psock.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#endif

#define MAX_FDS 253        /* SCM_MAX_FD: most descriptors in one message */
#define MAX_BATCH 1024     /* UIO_MAXIOV: most datagrams in one batch */
#define MAX_BATCH_BYTES (16 * 1024 * 1024)

/* Room for MAX_FDS descriptors, aligned for cmsghdr. */
typedef union Control {
  struct cmsghdr align;
  char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
} Control;

/* ---- descriptor passing ---- */

/* Put the descriptors of the array at arg into msg's control buffer. */
static void aux_packfds(lua_State *L, int arg, struct msghdr *msg,
                        Control *control) {
  lua_Integer n = luaL_len(L, arg), i;
  struct cmsghdr *c;
  luaL_argcheck(L, n >= 0 && n <= MAX_FDS, arg,
                "too many descriptors (at most 253)");
  if (n == 0)
    return;
  msg->msg_control = control->buf;
  msg->msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
  memset(control->buf, 0, msg->msg_controllen);  /* the padding too */
  c = CMSG_FIRSTHDR(msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  for (i = 1; i <= n; i++) {
    int fd;
    lua_geti(L, arg, i);
    fd = psock_tofd(L, -1);
    if (fd < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "socket, file or descriptor "
                    "expected at index %d, got %s", (int)i,
                    luaL_typename(L, -1)));
    memcpy(CMSG_DATA(c) + (size_t)(i - 1) * sizeof(int), &fd, sizeof fd);
    lua_pop(L, 1);
  }
}

/* sock:sendmsg(data, fds [, flags]) -> bytes sent | nil, msg, errno */
static int sock_sendmsg(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  int flags = psock_optflags(L, 4), err;
  double timeout = psock_calltimeout(s, flags), deadline = -1.0;
  struct msghdr msg;
  struct iovec iov;
  Control control;
  ssize_t r;
  luaL_checktype(L, 3, LUA_TTABLE);
  if (luaL_len(L, 3) > 0) {
    /* the kernel would drop the descriptors without a word */
    luaL_argcheck(L, s->family == AF_UNIX, 2,
                  "descriptors can only be passed on a unix socket");
    luaL_argcheck(L, len > 0 || s->type != SOCK_STREAM, 1,
                  "descriptors need at least one byte of data to travel "
                  "with on a stream socket");
  }
  memset(&msg, 0, sizeof msg);
  iov.iov_base = (void *)data;
  iov.iov_len = len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  aux_packfds(L, 3, &msg, &control);
  while ((r = sendmsg(s->fd, &msg, flags | MSG_NOSIGNAL)) < 0)
    if ((err = psock_again(s, timeout, errno, POLLOUT, &deadline)) != 0)
      return psock_fail(L, err);
  lua_pushinteger(L, (lua_Integer)r);
  return 1;
}

/* Push the descriptors that arrived in msg as an array of integers. */
static void aux_pushfds(lua_State *L, struct msghdr *msg) {
  struct cmsghdr *c;
  int k = 0;
  lua_newtable(L);
  for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
    size_t i, n;
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
      continue;
    n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      lua_pushinteger(L, fd);
      lua_rawseti(L, -2, ++k);
    }
  }
}

/* sock:recvmsg([n [, maxfds [, flags]]]) -> data, fds, msg_flags
   | nil, msg, errno.  Received descriptors are close-on-exec. */
static int sock_recvmsg(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t n = psock_optsize(L, 2);
  lua_Integer maxfds = luaL_optinteger(L, 3, 16);
  int flags = psock_optflags(L, 4), err;
  double timeout = psock_calltimeout(s, flags), deadline = -1.0;
  struct msghdr msg;
  struct iovec iov;
  Control control;
  luaL_Buffer b;
  ssize_t r;
  luaL_argcheck(L, maxfds >= 0 && maxfds <= MAX_FDS, 3,
                "maxfds must be between 0 and 253");
  memset(&msg, 0, sizeof msg);
  iov.iov_base = n <= 65536 ? psock_scratch(L, n) : luaL_buffinitsize(L, &b, n);
  iov.iov_len = n;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (maxfds > 0) {
    /* CMSG_LEN, not CMSG_SPACE: the kernel fills all the room it is given,
       and the padding of CMSG_SPACE may hold one descriptor more */
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_LEN(sizeof(int) * (size_t)maxfds);
  }
  while ((r = recvmsg(s->fd, &msg, flags | MSG_CMSG_CLOEXEC)) < 0)
    if ((err = psock_again(s, timeout, errno, POLLIN, &deadline)) != 0)
      return psock_fail(L, err);
  if ((size_t)r > n)  /* MSG_TRUNC: the datagram's whole length */
    r = (ssize_t)n;
  if (n <= 65536)
    lua_pushlstring(L, (const char *)iov.iov_base, (size_t)r);
  else
    luaL_pushresultsize(&b, (size_t)r);
  aux_pushfds(L, &msg);
  lua_pushinteger(L, msg.msg_flags & ~MSG_CMSG_CLOEXEC);  /* echoed back */
  return 3;
}

/* sock:getpeercred() -> pid, uid, gid | nil, msg, errno */
static int sock_getpeercred(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
#if defined(SO_PEERCRED)
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (s->family != AF_UNIX)
    return psock_fail(L, EOPNOTSUPP);
  if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return psock_fail(L, errno);
  if (cred.pid == 0)  /* Linux's answer for a socket with no peer */
    return psock_fail(L, ENOTCONN);
  lua_pushinteger(L, cred.pid);
  lua_pushinteger(L, cred.uid);
  lua_pushinteger(L, cred.gid);
  return 3;
#else
  uid_t uid;
  gid_t gid;
  if (s->family != AF_UNIX)
    return psock_fail(L, EOPNOTSUPP);
  if (getpeereid(s->fd, &uid, &gid) != 0)
    return psock_fail(L, errno);
  lua_pushboolean(L, 0);  /* no pid here; nil would read as a failure */
  lua_pushinteger(L, uid);
  lua_pushinteger(L, gid);
  return 3;
#endif
}

/* ---- batches ---- */

/* One datagram of a batch with its address; the arrays live in the
   methods' scratch buffer. */
typedef struct Slot {
  struct iovec iov;
  psock_Addr addr;
} Slot;

static int aux_checkcount(lua_State *L, int arg, lua_Integer def) {
  lua_Integer count = luaL_optinteger(L, arg, def);
  luaL_argcheck(L, count >= 1 && count <= MAX_BATCH, arg,
                "count must be between 1 and 1024");
  return (int)count;
}

/* Whether two inet or inet6 addresses have the same host (ports aside). */
static int aux_samehost(const psock_Addr *a, const psock_Addr *b) {
  if (a->ss.ss_family != b->ss.ss_family || a->len != b->len)
    return 0;
  if (a->ss.ss_family == AF_INET)
    return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
                  &((const struct sockaddr_in *)&b->ss)->sin_addr,
                  sizeof(struct in_addr)) == 0;
  if (a->ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->ss;
    const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->ss;
    return x->sin6_scope_id == y->sin6_scope_id
           && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
  }
  return 0;
}

/* Push the results of a batch receive: the array of datagrams, then the
   array of hosts and of ports (unix: of paths), made in one pass.  A
   sender's host is made into text once for a run of its datagrams. */
static int aux_pushbatch(lua_State *L, const psock_Socket *s, Slot *slots,
                         const struct mmsghdr *msgs, int n, size_t size) {
  int i, top = lua_gettop(L), results = s->family == AF_UNIX ? 2 : 3;
  for (i = 0; i < results; i++)
    lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    psock_Addr *a = &slots[i].addr;
    size_t len = msgs[i].msg_len < size ? msgs[i].msg_len : size;
    int pushed;
    lua_pushlstring(L, (const char *)slots[i].iov.iov_base, len);
    lua_rawseti(L, top + 1, i + 1);
    a->len = msgs[i].msg_hdr.msg_namelen;
    if (a->len == 0 && s->family == AF_UNIX) {
      a->ss.ss_family = AF_UNIX;  /* unnamed peer: "" */
      a->len = sizeof(sa_family_t);
    }
    if (results == 3 && i > 0 && aux_samehost(a, &slots[i - 1].addr)) {
      in_port_t port = a->ss.ss_family == AF_INET
                       ? ((const struct sockaddr_in *)&a->ss)->sin_port
                       : ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
      lua_rawgeti(L, top + 2, i);  /* the previous datagram's host */
      lua_pushinteger(L, ntohs(port));
      pushed = 2;
    }
    else
      pushed = psock_pushaddr(L, a);
    if (pushed == 2)
      lua_rawseti(L, top + 3, i + 1);  /* the port */
    if (pushed >= 1 && results >= pushed + 1)
      lua_rawseti(L, top + 2, i + 1);  /* the host or path */
    lua_settop(L, top + results);
  }
  return results;
}

/* sock:recvmmsg([count [, n [, flags]]]) -> datas, hosts, ports
   | datas, paths | nil, msg, errno.  One system call; the timeout applies
   to the first datagram only. */
static int sock_recvmmsg(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  int count = aux_checkcount(L, 2, 64), i, r, err, held;
  size_t n = psock_optsize(L, 3);
  int flags = psock_optflags(L, 4);
  double timeout = psock_calltimeout(s, flags), deadline = -1.0;
  struct mmsghdr *msgs;
  Slot *slots;
  char *data;
  luaL_argcheck(L, n <= MAX_BATCH_BYTES / (size_t)count, 3,
                "batch too large (count * n at most 16 MiB)");
  msgs = (struct mmsghdr *)psock_scratch(L, (size_t)count * (sizeof *msgs
                                         + sizeof *slots + n));
  slots = (Slot *)(msgs + count);
  data = (char *)(slots + count);
  for (i = 0; i < count; i++) {  /* every field, without a memset */
    slots[i].iov.iov_base = data + (size_t)i * n;
    slots[i].iov.iov_len = n;
    msgs[i].msg_hdr.msg_control = NULL;
    msgs[i].msg_hdr.msg_controllen = 0;
    msgs[i].msg_hdr.msg_flags = 0;
    msgs[i].msg_len = 0;
    msgs[i].msg_hdr.msg_iov = &slots[i].iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &slots[i].addr.ss;
    msgs[i].msg_hdr.msg_namelen = sizeof slots[i].addr.ss;
  }
  while ((r = recvmmsg(s->fd, msgs, (unsigned)count, flags | MSG_WAITFORONE,
                       NULL)) < 0)
    if ((err = psock_again(s, timeout, errno, POLLIN, &deadline)) != 0)
      return psock_fail(L, err);
  /* the results' allocations may run finalizers that call psock */
  held = psock_holdscratch(L, 1);
  r = aux_pushbatch(L, s, slots, msgs, r, n);
  psock_holdscratch(L, held);
  return r;
}

/* Read the destination of datagram i from the address arrays (hosts and
   ports, or paths) at first and first + 1 into addr.  The elements take
   the argument slots 3 (and 4), so that a bad one is reported as that
   argument.  0 or EAI_*. */
static int aux_batchaddr(lua_State *L, const psock_Socket *s, int first,
                         int i, psock_Addr *addr) {
  int nargs, k, slots = s->family == AF_UNIX ? 1 : 2;
  for (k = 0; k < slots; k++) {
    lua_geti(L, first + k, i);
    lua_replace(L, 3 + k);
  }
  return psock_toaddr(L, 3, s, addr, &nargs);
}

/* How many address arrays sendmmsg was given (0, or 2 for inet, 1 for
   unix), and so where its flags are.  The arrays may be nil (as when the
   call is sendmmsg(datas, nil, nil, flags)), and then there are none. */
static int aux_batcharrays(lua_State *L, const psock_Socket *s, int count,
                           int *flagsarg) {
  int slots = s->family == AF_UNIX ? 1 : 2, k;
  if (lua_type(L, 3) == LUA_TTABLE) {
    for (k = 0; k < slots; k++) {
      luaL_checktype(L, 3 + k, LUA_TTABLE);
      if (luaL_len(L, 3 + k) < count)
        luaL_argerror(L, 3 + k, lua_pushfstring(L, "%d addresses for %d "
                      "datagrams", (int)luaL_len(L, 3 + k), count));
    }
    *flagsarg = 3 + slots;
    return slots;
  }
  if (lua_isnil(L, 3) && lua_gettop(L) > 3) {
    for (k = 1; k < slots; k++)
      luaL_argcheck(L, lua_isnil(L, 3 + k), 3 + k, "nil expected, as "
                    "argument 3 is nil");
    *flagsarg = 3 + slots;
    return 0;
  }
  luaL_argexpected(L, lua_isnoneornil(L, 3) || lua_isinteger(L, 3), 3,
                   slots == 1 ? "array of paths or flags"
                              : "array of hosts or flags");
  *flagsarg = 3;
  return 0;
}

/* sock:sendmmsg(datas [, hosts, ports] [, flags])
   | sock:sendmmsg(datas [, paths] [, flags]) -> datagrams sent
   | nil, msg, errno.  The messages are built in a userdata of their own
   and each datagram's string is kept on the stack: __index methods of the
   arrays, and finalizers run by the allocations, may run any Lua code
   before the system call. */
static int sock_sendmmsg(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  int count, naddr, flagsarg, flags, arrays, i, r, err, code;
  double timeout, deadline = -1.0;
  struct mmsghdr *msgs;
  Slot *slots;
  lua_Integer len;
  luaL_checktype(L, 2, LUA_TTABLE);
  len = luaL_len(L, 2);
  luaL_argcheck(L, len >= 0 && len <= MAX_BATCH, 2, "at most 1024 datagrams");
  count = (int)len;
  naddr = aux_batcharrays(L, s, count, &flagsarg);
  flags = psock_optflags(L, flagsarg);
  timeout = psock_calltimeout(s, flags);
  if (count == 0) {
    lua_pushinteger(L, 0);
    return 1;
  }
  luaL_checkstack(L, count + naddr + 2, "too many datagrams");
  for (i = 0; i < naddr; i++)
    lua_pushvalue(L, 3 + i);
  arrays = lua_gettop(L) - naddr + 1;
  msgs = (struct mmsghdr *)lua_newuserdatauv(L, (size_t)count * (sizeof *msgs
                                             + sizeof *slots), 0);
  slots = (Slot *)(msgs + count);
  memset(msgs, 0, (size_t)count * sizeof *msgs);
  for (i = 0; i < count; i++) {
    size_t size;
    /* strings only, not numbers, which would be converted in place */
    if (lua_geti(L, 2, i + 1) != LUA_TSTRING)
      return luaL_argerror(L, 2, lua_pushfstring(L, "string expected at "
                           "index %d, got %s", i + 1, luaL_typename(L, -1)));
    slots[i].iov.iov_base = (void *)lua_tolstring(L, -1, &size);
    slots[i].iov.iov_len = size;  /* the string stays on the stack */
    msgs[i].msg_hdr.msg_iov = &slots[i].iov;
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (naddr > 0) {
      if ((code = aux_batchaddr(L, s, arrays, i + 1, &slots[i].addr)) != 0)
        return psock_gaifail(L, code);
      msgs[i].msg_hdr.msg_name = &slots[i].addr.ss;
      msgs[i].msg_hdr.msg_namelen = slots[i].addr.len;
    }
  }
  while ((r = sendmmsg(s->fd, msgs, (unsigned)count, flags | MSG_NOSIGNAL)) < 0)
    if ((err = psock_again(s, timeout, errno, POLLOUT, &deadline)) != 0)
      return psock_fail(L, err);
  lua_pushinteger(L, r);
  return 1;
}

/* ---- sendfile ---- */

/* sendfile(2) takes no MSG_NOSIGNAL: SIGPIPE is blocked in this thread
   for the call, and a SIGPIPE the call raised is taken back, so the
   process's disposition is never consulted and never changed. */
static ssize_t aux_sendfile(int out, int in, off_t *offset, size_t count) {
  ssize_t r;
#if !defined(SO_NOSIGPIPE)
  sigset_t pipe, old, pending;
  struct timespec zero = { 0, 0 };
  int err, was_pending;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigpending(&pending);
  was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, &old);
  r = sendfile(out, in, offset, count);
  err = errno;
  /* a call that sent part of its data before the peer left returns that
     count, not EPIPE, and may still have raised the signal: look anyway */
  if (!was_pending && sigpending(&pending) == 0
      && sigismember(&pending, SIGPIPE))
    while (sigtimedwait(&pipe, NULL, &zero) < 0 && errno == EINTR)
      ;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = err;
#else
  r = sendfile(out, in, offset, count);
#endif
  return r;
}

/* The descriptor and current position of a Lua file or integer
   descriptor at arg; *f is the file or NULL. */
static int aux_checkinput(lua_State *L, int arg, FILE **f) {
  luaL_Stream *p = (luaL_Stream *)luaL_testudata(L, arg, LUA_FILEHANDLE);
  if (p != NULL) {
    if (p->closef == NULL)
      luaL_error(L, "attempt to use a closed file");
    *f = p->f;
    return fileno(p->f);
  }
  *f = NULL;
  luaL_argexpected(L, lua_isinteger(L, arg) && lua_tointeger(L, arg) >= 0
                   && lua_tointeger(L, arg) <= INT_MAX, arg,
                   "file or descriptor");
  return (int)lua_tointeger(L, arg);
}

/* Move the file's position to offset: through stdio for a Lua file, so
   its buffer stays consistent. */
static int aux_seek(FILE *f, int fd, off_t offset) {
  if (f != NULL)
    return fseeko(f, offset, SEEK_SET) == 0 ? 0 : errno;
  return lseek(fd, offset, SEEK_SET) < 0 ? errno : 0;
}

/* sock:sendfile(file_or_fd [, offset [, count]]) -> bytes sent
   | nil, msg, errno, bytes sent.  offset defaults to the file's position,
   count to the rest of the file; afterwards the position is offset plus
   what was sent (as Python's socket.sendfile leaves it). */
static int sock_sendfile(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  FILE *f;
  int in = aux_checkinput(L, 2, &f), err = 0;
  double deadline = psock_deadline(s);
  off_t offset;
  size_t left, sent = 0;
  struct stat st;
  if (lua_isnoneornil(L, 3)) {
    offset = f != NULL ? ftello(f) : lseek(in, 0, SEEK_CUR);
    if (offset < 0)
      return psock_fail(L, errno);
  }
  else {
    lua_Integer o = luaL_checkinteger(L, 3);
    luaL_argcheck(L, o >= 0, 3, "offset must be non-negative");
    offset = (off_t)o;
  }
  if (!lua_isnoneornil(L, 4)) {
    lua_Integer count = luaL_checkinteger(L, 4);
    luaL_argcheck(L, count >= 0, 4, "count must be non-negative");
    left = (size_t)count;
  }
  else if (fstat(in, &st) != 0)
    return psock_fail(L, errno);
  else {
    /* only a regular file has a size to run to */
    luaL_argcheck(L, S_ISREG(st.st_mode), 4,
                  "count needed: the input is not a regular file");
    left = st.st_size > offset ? (size_t)(st.st_size - offset) : 0;
  }
  while (left > 0) {
    ssize_t r = aux_sendfile(s->fd, in, &offset, left);
    if (r == 0)
      break;  /* the file ended early */
    if (r > 0) {
      sent += (size_t)r;
      left -= (size_t)r;
    }
    else if ((err = psock_again(s, s->timeout, errno, POLLOUT, &deadline)) != 0)
      break;
  }
  if (err == 0)
    err = aux_seek(f, in, offset);
  else
    aux_seek(f, in, offset);
  if (err != 0) {
    psock_fail(L, err);
    lua_pushinteger(L, (lua_Integer)sent);
    return 4;
  }
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

/* ---- fdopen ---- */

static int aux_fclose(lua_State *L) {
  luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
  return luaL_fileresult(L, fclose(p->f) == 0, NULL);
}

/* The modes Lua's io.open takes: r, w or a, then '+', then 'b's. */
static int aux_checkmode(const char *mode) {
  if (*mode == '\0' || strchr("rwa", *mode++) == NULL)
    return 0;
  if (*mode == '+')
    mode++;
  return strspn(mode, "b") == strlen(mode);
}

/* psock.fdopen(fd, mode) -> Lua file | nil, msg, errno.  The file owns
   the descriptor: closing it closes the descriptor. */
int psock_mod_fdopen(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  const char *mode = luaL_optstring(L, 2, "r");
  luaL_Stream *p;
  luaL_argcheck(L, fd >= 0 && fd <= INT_MAX, 1, "not a descriptor");
  luaL_argcheck(L, aux_checkmode(mode), 2, "invalid mode");
  if (luaL_getmetatable(L, LUA_FILEHANDLE) == LUA_TNIL)
    return luaL_error(L, "psock.fdopen needs the io library");
  lua_pop(L, 1);
  p = (luaL_Stream *)lua_newuserdatauv(L, sizeof *p, 0);
  p->closef = NULL;  /* a closed file until fdopen succeeds */
  p->f = NULL;
  luaL_setmetatable(L, LUA_FILEHANDLE);
  p->f = fdopen((int)fd, mode);
  if (p->f == NULL)
    return luaL_fileresult(L, 0, NULL);
  p->closef = aux_fclose;
  return 1;
}

const luaL_Reg psock_msg_methods[] = {
  { "sendmsg", sock_sendmsg },
  { "recvmsg", sock_recvmsg },
  { "getpeercred", sock_getpeercred },
  { "recvmmsg", sock_recvmmsg },
  { "sendmmsg", sock_sendmmsg },
  { "sendfile", sock_sendfile },
  { NULL, NULL }
};

/*
** psock: the socket userdata, its life cycle and its system-call methods.
*/
#define _GNU_SOURCE  /* accept4 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "psock.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0  /* such systems set SO_NOSIGPIPE on each socket */
#endif

/* Receives of up to this many bytes go through one preallocated buffer, so
   that a receive allocates nothing but its result string. */
#define SCRATCH_SIZE 65536

/* The scratch buffer: the upvalue shared by every socket method.  Batch
   receives may grow it. */
typedef struct Scratch {
  size_t size;
  char *data;
  int held;  /* a batch is still reading it (see psock_holdscratch) */
} Scratch;

/* ---- life cycle ---- */

/* A new closed socket userdata with its metatable: the descriptor is made
   after this, so that a memory error never leaves a descriptor unowned. */
psock_Socket *psock_newsocket(lua_State *L) {
  psock_Socket *s = (psock_Socket *)lua_newuserdatauv(L, sizeof *s, 3);
  s->fd = -1;
  s->fromlen = 0;
  s->toport = -1;
  s->tolen = 0;
  s->family = AF_UNSPEC;
  s->type = 0;
  s->protocol = 0;
  s->timeout = -1.0;
  if (lua_type(L, lua_upvalueindex(2)) == LUA_TTABLE) {
    lua_pushvalue(L, lua_upvalueindex(2));  /* psock's functions hold it */
    lua_setmetatable(L, -2);
  }
  else
    luaL_setmetatable(L, PSOCK_SOCKET);
  return s;
}

/* The socket at arg, open or closed (psock's functions hold the socket
   metatable in their upvalue 2). */
static psock_Socket *aux_tosocket(lua_State *L, int arg) {
  return (psock_Socket *)psock_checkudata(L, arg, lua_upvalueindex(2),
                                          PSOCK_SOCKET);
}

/* The open socket at arg. */
psock_Socket *psock_checksocket(lua_State *L, int arg) {
  psock_Socket *s = aux_tosocket(L, arg);
  if (s->fd < 0)
    luaL_error(L, "attempt to use a closed socket");
  return s;
}

/* A call that makes descriptors failed with err: when the process or the
   system is out of them, collect garbage (unreachable sockets close) and
   say to try once more. */
int psock_retry_after_gc(lua_State *L, int err, int *tried) {
  if ((err != EMFILE && err != ENFILE) || *tried)
    return 0;
  *tried = 1;
  lua_gc(L, LUA_GCCOLLECT);
  return 1;
}

/* Set up a new descriptor: on systems without MSG_NOSIGNAL, ask the socket
   itself never to raise SIGPIPE. */
static void aux_adopt(psock_Socket *s, int fd) {
#if defined(SO_NOSIGPIPE)
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
  s->fd = fd;
}

/* Uservalue 3 of a socket: the set of pollers it was added to, with weak
   keys so that it keeps none of them alive.  Made on its first add. */
void psock_membership(lua_State *L, int sock, int poller, int member) {
  sock = lua_absindex(L, sock);
  poller = lua_absindex(L, poller);
  if (lua_getiuservalue(L, sock, 3) != LUA_TTABLE) {
    lua_pop(L, 1);
    if (!member)
      return;
    lua_createtable(L, 0, 1);
    if (luaL_newmetatable(L, "psock.weakkeys")) {
      lua_pushliteral(L, "k");
      lua_setfield(L, -2, "__mode");
    }
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, sock, 3);
  }
  lua_pushvalue(L, poller);
  if (member)
    lua_pushboolean(L, 1);
  else
    lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* Before the socket at idx closes its descriptor, it leaves the pollers it
   is registered in: once closed, epoll cannot be told to forget it (and a
   duplicate elsewhere would keep it reporting), and the number may soon
   name another descriptor. */
static void aux_leavepollers(lua_State *L, int idx) {
  if (lua_getiuservalue(L, idx, 3) == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      psock_poller_forget(L, -1, idx);
    }
    lua_pushnil(L);
    lua_setiuservalue(L, idx, 3);
  }
  lua_pop(L, 1);
}

/* Release the descriptor; 0 or an errno.  The descriptor is gone even when
   close fails, so the socket is marked closed first. */
static int aux_close(psock_Socket *s) {
  int fd = s->fd;
  s->fd = -1;
  if (close(fd) != 0 && errno != EINTR)
    return errno;
  return 0;
}

static int aux_setnonblocking(int fd, int on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0)
    return errno;
  flags = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (fcntl(fd, F_SETFL, flags) != 0)
    return errno;
  return 0;
}

/* ---- system calls with their retry loops ---- */

/* Two unix calls cannot be waited for with poll: a connect that finds the
   listener's backlog full, and a datagram sent to a peer whose queue is
   full (poll says writable: our own buffer has room).  Both fail at once
   with EAGAIN on a non-blocking socket.  So they wait as a blocking call
   does, in the kernel, with SO_SNDTIMEO set to the time left; then the
   socket is put back as it was.  op makes the call: 0 or an errno. */
typedef int (*unix_op)(const psock_Socket *s, void *ctx);

static int aux_unixwait(const psock_Socket *s, double timeout, unix_op op,
                        void *ctx) {
  double deadline = psock_now() + timeout;
  struct timeval saved, tv;
  socklen_t len = sizeof saved;
  int err;
  if (getsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &saved, &len) != 0)
    return errno;
  if ((err = aux_setnonblocking(s->fd, 0)) != 0)
    return err;
  for (;;) {
    double left = deadline - psock_now();
    if (left <= 0) {
      err = PSOCK_ETIMEOUT;
      break;
    }
    if (left > 86400.0)
      left = 86400.0;  /* time_t may not hold 1e300; the loop waits again */
    tv.tv_sec = (time_t)left;
    tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6) + 1;
    if (tv.tv_usec >= 1000000) {  /* rounded up past a whole second */
      tv.tv_sec++;
      tv.tv_usec -= 1000000;
    }
    if (setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
      err = errno;
      break;
    }
    err = op(s, ctx);
    if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
      break;  /* EAGAIN: SO_SNDTIMEO ran out; the loop sees the deadline */
  }
  setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &saved, sizeof saved);
  aux_setnonblocking(s->fd, 1);
  return err;
}

static int aux_connectop(const psock_Socket *s, void *ctx) {
  const psock_Addr *a = (const psock_Addr *)ctx;
  return connect(s->fd, (const struct sockaddr *)&a->ss, a->len) == 0
         ? 0 : errno;
}

/* One sendto, its arguments in a struct for aux_unixwait. */
typedef struct SendArgs {
  const char *p;
  size_t len;
  int flags;
  const psock_Addr *to;
  size_t sent;
} SendArgs;

static int aux_sendop(const psock_Socket *s, void *ctx) {
  SendArgs *a = (SendArgs *)ctx;
  ssize_t r = sendto(s->fd, a->p, a->len, a->flags | MSG_NOSIGNAL,
                     a->to ? (const struct sockaddr *)&a->to->ss : NULL,
                     a->to ? a->to->len : 0);
  if (r < 0)
    return errno;
  a->sent = (size_t)r;
  return 0;
}

static int aux_sendto(const psock_Socket *s, const char *p, size_t len,
                      int flags, const psock_Addr *to, size_t *sent,
                      double *deadline) {
  double timeout = psock_calltimeout(s, flags);
  SendArgs args;
  int err;
  args.p = p;
  args.len = len;
  args.flags = flags;
  args.to = to;
  for (;;) {
    if ((err = aux_sendop(s, &args)) == 0) {
      *sent = args.sent;
      return 0;
    }
    if (s->family == AF_UNIX && s->type != SOCK_STREAM && timeout > 0
        && (err == EAGAIN || err == EWOULDBLOCK)) {
      err = aux_unixwait(s, *deadline < 0 ? timeout : *deadline - psock_now(),
                         aux_sendop, &args);
      *sent = args.sent;
      return err;
    }
    if ((err = psock_again(s, timeout, err, POLLOUT, deadline)) != 0)
      return err;
  }
}

static int aux_recvfrom(const psock_Socket *s, char *buf, size_t size,
                        int flags, psock_Addr *from, size_t *got) {
  double timeout = psock_calltimeout(s, flags), deadline = -1.0;
  for (;;) {
    ssize_t r;
    if (from)
      from->len = sizeof from->ss;
    r = recvfrom(s->fd, buf, size, flags,
                 from ? (struct sockaddr *)&from->ss : NULL,
                 from ? &from->len : NULL);
    if (r >= 0) {  /* with MSG_TRUNC, r is the datagram's whole length */
      *got = (size_t)r < size ? (size_t)r : size;
      return 0;
    }
    if ((r = psock_again(s, timeout, errno, POLLIN, &deadline)) != 0)
      return (int)r;
  }
}

/* The pending error of a socket whose connect went on in the background. */
static int aux_soerror(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    return errno;
  return err;
}

static int aux_connect(const psock_Socket *s, const psock_Addr *a) {
  double deadline;
  int err;
  while (connect(s->fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
    err = errno;
    if (s->family == AF_UNIX) {
      if (err == EINTR)
        continue;  /* a unix connect is all or nothing: make it again */
      if ((err == EAGAIN || err == EWOULDBLOCK) && s->timeout > 0)
        return aux_unixwait(s, s->timeout, aux_connectop, (void *)a);
      return err;
    }
    /* After EINTR an inet connection goes on in the background, as after
       EINPROGRESS: both end when the socket turns writable. */
    if (err == EINTR || (err == EINPROGRESS && s->timeout > 0)) {
      deadline = s->timeout > 0 ? psock_now() + s->timeout : -1.0;
      if ((err = psock_waitfd(s->fd, POLLOUT, deadline)) != 0)
        return err;
      return aux_soerror(s->fd);
    }
    return err;
  }
  return 0;
}

/* ---- argument helpers ---- */

/* (An argument past the top is left out: lua_gettop is the cheapest test
   of the common case, cheaper than the type test of luaL_optinteger.) */
int psock_optflags(lua_State *L, int arg) {
  lua_Integer flags;
  if (lua_gettop(L) < arg)
    return 0;
  flags = luaL_optinteger(L, arg, 0);
  luaL_argcheck(L, flags >= 0 && flags <= 0x7fffffff, arg,
                "flags out of range");
  return (int)flags;
}

size_t psock_optsize(lua_State *L, int arg) {
  lua_Integer n;
  if (lua_gettop(L) < arg)
    return SCRATCH_SIZE;
  n = luaL_optinteger(L, arg, SCRATCH_SIZE);
  luaL_argcheck(L, n > 0, arg, "size must be positive");
  luaL_argcheck(L, (lua_Unsigned)n < (lua_Unsigned)0x7fffffff, arg,
                "size too large");
  return (size_t)n;
}

/* Receive at most n bytes and push them: through the scratch buffer (the
   methods' upvalue) when they fit, otherwise through a luaL_Buffer. */
static int aux_pushrecv(lua_State *L, const psock_Socket *s, size_t n,
                        int flags, psock_Addr *from) {
  size_t got = 0;
  int err;
  if (n <= SCRATCH_SIZE) {
    char *buf = psock_scratch(L, n);
    if ((err = aux_recvfrom(s, buf, n, flags, from, &got)) != 0)
      return err;
    lua_pushlstring(L, buf, got);
  }
  else {
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, n);
    if ((err = aux_recvfrom(s, buf, n, flags, from, &got)) != 0)
      return err;  /* the unused buffer is collected with the stack */
    luaL_pushresultsize(&b, got);
  }
  return 0;
}

/* ---- module functions ---- */

/* psock's descriptors are close-on-exec from birth; one given a timeout of
   0 (SOCK_NONBLOCK in the type) is born non-blocking too. */
static int aux_createflags(const psock_Socket *s) {
  return SOCK_CLOEXEC | (s->timeout == 0.0 ? SOCK_NONBLOCK : 0);
}

static int aux_makesocket(lua_State *L, psock_Socket *s) {
  int tried = 0, fd;
  for (;;) {
    fd = socket(s->family, s->type | aux_createflags(s), s->protocol);
    if (fd >= 0)
      break;
    if (!psock_retry_after_gc(L, errno, &tried))
      return errno;
  }
  aux_adopt(s, fd);
  return 0;
}

/* Split SOCK_NONBLOCK and SOCK_CLOEXEC off a type given as an integer:
   psock always sets close-on-exec, and non-blocking is a timeout of 0. */
static int aux_basetype(int type, double *timeout) {
  if (type & SOCK_NONBLOCK)
    *timeout = 0.0;
  return type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* psock.socket(family, type [, protocol]) -> socket | nil, msg, errno */
int psock_mod_socket(lua_State *L) {
  int family = psock_checkname(L, 1, psock_families, "family");
  int type = psock_checkname(L, 2, psock_types, "socket type");
  lua_Integer protocol = luaL_optinteger(L, 3, 0);
  psock_Socket *s;
  int err;
  luaL_argcheck(L, protocol >= 0 && protocol <= 0xffff, 3,
                "protocol out of range");
  s = psock_newsocket(L);
  s->family = family;
  s->type = aux_basetype(type, &s->timeout);
  s->protocol = (int)protocol;
  if ((err = aux_makesocket(L, s)) != 0)
    return psock_fail(L, err);
  return 1;
}

/* psock.socketpair([family [, type]]) -> s1, s2 | nil, msg, errno */
int psock_mod_socketpair(lua_State *L) {
  int family = lua_isnoneornil(L, 1)
               ? AF_UNIX : psock_checkname(L, 1, psock_families, "family");
  int type = lua_isnoneornil(L, 2)
             ? SOCK_STREAM : psock_checkname(L, 2, psock_types, "socket type");
  psock_Socket *a = psock_newsocket(L), *b = psock_newsocket(L);
  int fds[2], tried = 0;
  a->family = b->family = family;
  a->type = b->type = aux_basetype(type, &a->timeout);
  b->timeout = a->timeout;
  while (socketpair(family, a->type | aux_createflags(a), 0, fds) != 0)
    if (!psock_retry_after_gc(L, errno, &tried))
      return psock_fail(L, errno);
  aux_adopt(a, fds[0]);
  aux_adopt(b, fds[1]);
  return 2;
}

static int aux_intopt(int fd, int name, int *value) {
  socklen_t len = sizeof *value;
  return getsockopt(fd, SOL_SOCKET, name, value, &len) == 0 ? 0 : errno;
}

/* psock.fromfd(fd) -> socket | nil, msg, errno: owns a duplicate of fd */
int psock_mod_fromfd(lua_State *L) {
  lua_Integer fd = luaL_checkinteger(L, 1);
  psock_Socket *s;
  int dup, err, tried = 0, flags;
  luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, 1, "not a descriptor");
  s = psock_newsocket(L);
  while ((dup = fcntl((int)fd, F_DUPFD_CLOEXEC, 0)) < 0)
    if (!psock_retry_after_gc(L, errno, &tried))
      return psock_fail(L, errno);
  s->fd = dup;
  err = aux_intopt(dup, SO_DOMAIN, &s->family);
  if (err == 0)
    err = aux_intopt(dup, SO_TYPE, &s->type);
  if (err == 0)
    err = aux_intopt(dup, SO_PROTOCOL, &s->protocol);
  if (err == 0 && (flags = fcntl(dup, F_GETFL)) < 0)
    err = errno;
  if (err != 0) {
    aux_close(s);
    return psock_fail(L, err);
  }
  if (flags & O_NONBLOCK)
    s->timeout = 0.0;  /* the flag is shared with the original descriptor */
  aux_adopt(s, dup);
  return 1;
}

/* psock.type(x) -> "socket" | "closed socket" | nil */
int psock_mod_type(lua_State *L) {
  psock_Socket *s = (psock_Socket *)luaL_testudata(L, 1, PSOCK_SOCKET);
  luaL_checkany(L, 1);
  if (s == NULL)
    luaL_pushfail(L);
  else if (s->fd < 0)
    lua_pushliteral(L, "closed socket");
  else
    lua_pushliteral(L, "socket");
  return 1;
}

/* The descriptor of a value at idx: an open socket, a Lua file or a
   non-negative integer; -1 for anything else.  A closed socket or file
   raises, as using it would. */
int psock_tofd(lua_State *L, int idx) {
  psock_Socket *s;
  luaL_Stream *f;
  if (lua_isinteger(L, idx)) {
    lua_Integer fd = lua_tointeger(L, idx);
    return fd >= 0 && fd <= 0x7fffffff ? (int)fd : -1;
  }
  if ((s = (psock_Socket *)luaL_testudata(L, idx, PSOCK_SOCKET)) != NULL) {
    if (s->fd < 0)
      luaL_error(L, "attempt to use a closed socket");
    return s->fd;
  }
  if ((f = (luaL_Stream *)luaL_testudata(L, idx, LUA_FILEHANDLE)) != NULL) {
    if (f->closef == NULL)
      luaL_error(L, "attempt to use a closed file");
    return fileno(f->f);
  }
  return -1;
}

/* ---- methods ---- */

static int aux_result(lua_State *L, int err) {
  if (err != 0)
    return psock_fail(L, err);
  lua_pushboolean(L, 1);
  return 1;
}

/* sock:bind(host, port) | sock:bind(path) -> true | nil, msg, errno */
static int sock_bind(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  psock_Addr a;
  int code, nargs;
  if ((code = psock_toaddr(L, 2, s, &a, &nargs)) != 0)
    return psock_gaifail(L, code);
  return aux_result(L, bind(s->fd, (struct sockaddr *)&a.ss, a.len) == 0
                       ? 0 : errno);
}

/* sock:listen([backlog]) -> true | nil, msg, errno */
static int sock_listen(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  lua_Integer backlog = luaL_optinteger(L, 2, SOMAXCONN);
  luaL_argcheck(L, backlog >= 0 && backlog <= 0x7fffffff, 2,
                "backlog out of range");
  return aux_result(L, listen(s->fd, (int)backlog) == 0 ? 0 : errno);
}

/* sock:accept() -> conn, host, port | conn, path | nil, msg, errno */
static int sock_accept(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  psock_Socket *conn = psock_newsocket(L);
  double deadline = -1.0;
  psock_Addr a;
  int fd, err, tried = 0;
  for (;;) {
    a.len = sizeof a.ss;
    fd = accept4(s->fd, (struct sockaddr *)&a.ss, &a.len, SOCK_CLOEXEC);
    if (fd >= 0)
      break;
    err = errno;
    if (psock_retry_after_gc(L, err, &tried))
      continue;
    if ((err = psock_again(s, s->timeout, err, POLLIN, &deadline)) != 0)
      return psock_fail(L, err);
  }
  conn->family = s->family;
  conn->type = s->type;
  conn->protocol = s->protocol;
  aux_adopt(conn, fd);
  return 1 + psock_pushaddr(L, &a);
}

/* sock:connect(host, port) | sock:connect(path) -> true | nil, msg, errno */
static int sock_connect(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  psock_Addr a;
  int code, nargs;
  if ((code = psock_toaddr(L, 2, s, &a, &nargs)) != 0)
    return psock_gaifail(L, code);
  return aux_result(L, aux_connect(s, &a));
}

/* sock:send(data [, flags]) -> bytes sent | nil, msg, errno */
static int sock_send(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t len, sent;
  const char *data = luaL_checklstring(L, 2, &len);
  int flags = psock_optflags(L, 3), err;
  double deadline = -1.0;
  if ((err = aux_sendto(s, data, len, flags, NULL, &sent, &deadline)) != 0)
    return psock_fail(L, err);
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

/* sock:sendall(data [, flags]) -> true | nil, msg, errno, bytes sent.
   The timeout bounds the whole call, not each send. */
static int sock_sendall(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t len, done = 0, sent;
  const char *data = luaL_checklstring(L, 2, &len);
  int flags = psock_optflags(L, 3), err;
  double deadline = psock_deadline(s);
  while (done < len) {
    err = aux_sendto(s, data + done, len - done, flags, NULL, &sent,
                     &deadline);
    if (err != 0) {
      psock_fail(L, err);
      lua_pushinteger(L, (lua_Integer)done);
      return 4;
    }
    done += sent;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* sock:recv([n [, flags]]) -> data | nil, msg, errno */
static int sock_recv(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t n = psock_optsize(L, 2);
  int flags = psock_optflags(L, 3), err;
  if ((err = aux_pushrecv(L, s, n, flags, NULL)) != 0)
    return psock_fail(L, err);
  return 1;
}

/* The destination at arguments 3 and 4 of sendto, from the socket's cache
   when it is the same host string and port as last time. */
static int aux_destination(lua_State *L, psock_Socket *s, psock_Addr *a,
                           int *nargs) {
  int code, hit = 0;
  if (s->toport >= 0 && lua_isinteger(L, 4)
      && lua_tointeger(L, 4) == s->toport) {
    lua_getiuservalue(L, 1, 2);
    hit = lua_rawequal(L, -1, 3);
    lua_pop(L, 1);
  }
  if (hit) {
    memcpy(&a->ss, &s->to, s->tolen);
    a->len = s->tolen;
    *nargs = 2;
    return 0;
  }
  if ((code = psock_toaddr(L, 3, s, a, nargs)) != 0)
    return code;
  if (*nargs == 2 && !a->named && lua_isinteger(L, 4)
      && a->len <= sizeof s->to) {
    memcpy(&s->to, &a->ss, a->len);
    s->tolen = a->len;
    s->toport = (int)lua_tointeger(L, 4);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, 1, 2);
  }
  return 0;
}

/* sock:sendto(data, host, port [, flags]) | sock:sendto(data, path [, flags])
   -> bytes sent | nil, msg, errno */
static int sock_sendto(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t len, sent;
  const char *data = luaL_checklstring(L, 2, &len);
  double deadline = -1.0;
  psock_Addr a;
  int code, nargs, flags, err;
  if ((code = aux_destination(L, s, &a, &nargs)) != 0)
    return psock_gaifail(L, code);
  flags = psock_optflags(L, 3 + nargs);
  if ((err = aux_sendto(s, data, len, flags, &a, &sent, &deadline)) != 0)
    return psock_fail(L, err);
  lua_pushinteger(L, (lua_Integer)sent);
  return 1;
}

/* Push the sender of a datagram, host and port, taking the host string
   from the socket's cache when the address bytes are the last sender's. */
static int aux_pushsender(lua_State *L, psock_Socket *s, const psock_Addr *a) {
  const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
  const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
  const void *bytes;
  unsigned len;
  int port;
  if (a->ss.ss_family == AF_INET && a->len >= sizeof *sin) {
    bytes = &sin->sin_addr;
    len = 4;
    port = ntohs(sin->sin_port);
  }
  else if (a->ss.ss_family == AF_INET6 && a->len >= sizeof *sin6
           && sin6->sin6_scope_id == 0) {
    bytes = &sin6->sin6_addr;
    len = 16;
    port = ntohs(sin6->sin6_port);
  }
  else
    return psock_pushaddr(L, a);
  if (len == s->fromlen && memcmp(bytes, s->from, len) == 0) {
    lua_getiuservalue(L, 1, 1);
    lua_pushinteger(L, port);
    return 2;
  }
  psock_pushaddr(L, a);
  lua_pushvalue(L, -2);
  lua_setiuservalue(L, 1, 1);
  memcpy(s->from, bytes, len);
  s->fromlen = len;
  return 2;
}

/* sock:recvfrom([n [, flags]]) -> data, host, port | data, path
   | nil, msg, errno */
static int sock_recvfrom(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  size_t n = psock_optsize(L, 2);
  int flags = psock_optflags(L, 3), err;
  psock_Addr from;
  if ((err = aux_pushrecv(L, s, n, flags, &from)) != 0)
    return psock_fail(L, err);
  if (from.len == 0 && s->family == AF_UNIX) {
    from.ss.ss_family = AF_UNIX;  /* a connected peer: unnamed, "" */
    from.len = sizeof(sa_family_t);
  }
  return 1 + aux_pushsender(L, s, &from);
}

static const psock_Name shutdown_directions[] = {
  { "r", SHUT_RD },
  { "w", SHUT_WR },
  { "rw", SHUT_RDWR },
  { NULL, 0 }
};

/* sock:shutdown(how) -> true | nil, msg, errno */
static int sock_shutdown(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  int how = psock_checkname(L, 2, shutdown_directions, "direction");
  return aux_result(L, shutdown(s->fd, how) == 0 ? 0 : errno);
}

/* sock:close() -> true; closing again is harmless */
static int sock_close(lua_State *L) {
  psock_Socket *s = aux_tosocket(L, 1);
  if (s->fd < 0)
    return aux_result(L, 0);
  aux_leavepollers(L, 1);
  return aux_result(L, aux_close(s));
}

static int aux_pushname(lua_State *L, const psock_Socket *s, int peer) {
  psock_Addr a;
  int r;
  a.len = sizeof a.ss;
  if (peer)
    r = getpeername(s->fd, (struct sockaddr *)&a.ss, &a.len);
  else
    r = getsockname(s->fd, (struct sockaddr *)&a.ss, &a.len);
  if (r != 0)
    return psock_fail(L, errno);
  return psock_pushaddr(L, &a);
}

/* sock:getsockname() -> host, port | path | nil, msg, errno */
static int sock_getsockname(lua_State *L) {
  return aux_pushname(L, psock_checksocket(L, 1), 0);
}

/* sock:getpeername() -> host, port | path | nil, msg, errno */
static int sock_getpeername(lua_State *L) {
  return aux_pushname(L, psock_checksocket(L, 1), 1);
}

/* Switch to a new timeout, changing O_NONBLOCK only when the blocking mode
   changes: a socket without a timeout stays in blocking mode so that each
   call is exactly one system call. */
static int aux_settimeout(psock_Socket *s, double timeout) {
  if ((s->timeout < 0) != (timeout < 0)) {
    int err = aux_setnonblocking(s->fd, timeout >= 0);
    if (err != 0)
      return err;
  }
  s->timeout = timeout;
  return 0;
}

/* sock:settimeout(seconds | nil) -> true | nil, msg, errno */
static int sock_settimeout(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  double t = -1.0;
  if (!lua_isnoneornil(L, 2)) {
    t = luaL_checknumber(L, 2);
    luaL_argcheck(L, t >= 0, 2, "timeout must be a non-negative number");
    if (isinf(t))
      t = -1.0;
  }
  return aux_result(L, aux_settimeout(s, t));
}

/* sock:gettimeout() -> seconds | nil */
static int sock_gettimeout(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  if (s->timeout < 0)
    lua_pushnil(L);
  else
    lua_pushnumber(L, s->timeout);
  return 1;
}

/* sock:setblocking(flag) -> true | nil, msg, errno: like Python,
   true is settimeout(nil) and false is settimeout(0) */
static int sock_setblocking(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  return aux_result(L, aux_settimeout(s, lua_toboolean(L, 2) ? -1.0 : 0.0));
}

/* sock:fileno() -> integer */
static int sock_fileno(lua_State *L) {
  lua_pushinteger(L, psock_checksocket(L, 1)->fd);
  return 1;
}

/* sock:family() -> "inet" | "inet6" | "unix" | integer */
static int sock_family(lua_State *L) {
  psock_pushname(L, psock_families, psock_checksocket(L, 1)->family);
  return 1;
}

/* sock:type() -> "stream" | "dgram" | "seqpacket" | "raw" | integer */
static int sock_type(lua_State *L) {
  psock_pushname(L, psock_types, psock_checksocket(L, 1)->type);
  return 1;
}

/* Append " ADDRESS" for the socket's own or peer address, when it has one. */
static void aux_addname(luaL_Buffer *b, const psock_Socket *s, int peer,
                        const char *sep) {
  char text[160];
  psock_Addr a;
  int r;
  a.len = sizeof a.ss;
  r = peer ? getpeername(s->fd, (struct sockaddr *)&a.ss, &a.len)
           : getsockname(s->fd, (struct sockaddr *)&a.ss, &a.len);
  if (r == 0 && psock_addrstring(&a, text, sizeof text)) {
    luaL_addstring(b, sep);
    luaL_addstring(b, text);
  }
}

/* tostring(sock) -> "psock.socket(fd=5, inet, stream, 127.0.0.1:80 -> ...)" */
static int sock_tostring(lua_State *L) {
  psock_Socket *s = aux_tosocket(L, 1);
  const char *family, *type;
  char head[64];
  luaL_Buffer b;
  if (s->fd < 0) {
    lua_pushliteral(L, "psock.socket(closed)");
    return 1;
  }
  family = psock_nameof(psock_families, s->family);
  type = psock_nameof(psock_types, s->type);
  luaL_buffinit(L, &b);
  snprintf(head, sizeof head, "psock.socket(fd=%d", s->fd);
  luaL_addstring(&b, head);
  if (family != NULL && type != NULL) {
    luaL_addstring(&b, ", ");
    luaL_addstring(&b, family);
    luaL_addstring(&b, ", ");
    luaL_addstring(&b, type);
  }
  aux_addname(&b, s, 0, ", ");
  aux_addname(&b, s, 1, " -> ");
  luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

/* __gc: a socket nobody closed is closed here, with a warning naming it
   (warnings are off unless the script turns them on). */
static int sock_gc(lua_State *L) {
  psock_Socket *s = aux_tosocket(L, 1);
  if (s->fd >= 0) {
    char msg[96];
    snprintf(msg, sizeof msg,
             "psock: closing socket fd=%d, garbage-collected while open",
             s->fd);
    lua_warning(L, msg, 0);
    aux_leavepollers(L, 1);
    aux_close(s);
  }
  return 0;
}

/* __close: the end of a `local s <close>` scope */
static int sock_closemeta(lua_State *L) {
  psock_Socket *s = aux_tosocket(L, 1);
  if (s->fd >= 0) {
    aux_leavepollers(L, 1);
    aux_close(s);
  }
  return 0;
}

static const luaL_Reg sock_methods[] = {
  { "bind", sock_bind },
  { "listen", sock_listen },
  { "accept", sock_accept },
  { "connect", sock_connect },
  { "send", sock_send },
  { "sendall", sock_sendall },
  { "recv", sock_recv },
  { "sendto", sock_sendto },
  { "recvfrom", sock_recvfrom },
  { "shutdown", sock_shutdown },
  { "close", sock_close },
  { "getsockname", sock_getsockname },
  { "getpeername", sock_getpeername },
  { "setopt", psock_sock_setopt },
  { "getopt", psock_sock_getopt },
  { "settimeout", sock_settimeout },
  { "gettimeout", sock_gettimeout },
  { "setblocking", sock_setblocking },
  { "fileno", sock_fileno },
  { "family", sock_family },
  { "type", sock_type },
  { NULL, NULL }
};

static const luaL_Reg sock_metamethods[] = {
  { "__tostring", sock_tostring },
  { "__gc", sock_gc },
  { "__close", sock_closemeta },
  { "__index", NULL },  /* set below */
  { NULL, NULL }
};

static int scratch_gc(lua_State *L) {
  Scratch *b = (Scratch *)lua_touserdata(L, 1);
  free(b->data);
  b->data = NULL;
  b->size = 0;
  return 0;
}

/* At least size bytes of the methods' scratch buffer (their upvalue 1).
   Only for use between two Lua calls: the next method may overwrite it.
   While a batch holds it, a method run from a finalizer in the meantime
   gets a buffer of its own, anchored on its stack, instead. */
char *psock_scratch(lua_State *L, size_t size) {
  Scratch *b = (Scratch *)lua_touserdata(L, lua_upvalueindex(1));
  if (b->held)
    return (char *)lua_newuserdatauv(L, size, 0);
  if (size > b->size) {
    char *bigger = (char *)realloc(b->data, size);
    if (bigger == NULL)
      luaL_error(L, "not enough memory");
    b->data = bigger;
    b->size = size;
  }
  return b->data;
}

/* Hold the scratch buffer (held = 1) across Lua calls that allocate, and
   so may run finalizers that call psock's methods; returns what it was,
   for the caller to restore (a finalizer's batch must not release its
   caller's hold).  Only a memory error can skip the restore, and then
   every later call merely takes a buffer of its own. */
int psock_holdscratch(lua_State *L, int held) {
  Scratch *b = (Scratch *)lua_touserdata(L, lua_upvalueindex(1));
  int was = b->held;
  b->held = held;
  return was;
}

static void aux_newscratch(lua_State *L) {
  Scratch *b = (Scratch *)lua_newuserdatauv(L, sizeof *b, 0);
  b->size = 0;
  b->data = NULL;
  b->held = 0;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, scratch_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
}

/* Set the functions of l into the table at t, each with the two upvalues
   scratch and mt. */
static void aux_setfuncs(lua_State *L, int t, const luaL_Reg *l, int scratch,
                         int mt) {
  lua_pushvalue(L, t);
  lua_pushvalue(L, scratch);
  lua_pushvalue(L, mt);
  luaL_setfuncs(L, l, 2);
  lua_pop(L, 1);
}

/* Create the socket metatable and the scratch buffer, and leave both on
   the stack (scratch, then metatable) to be the upvalues of the module
   functions too.  Every function of psock, metamethods included, has these
   two upvalues: methods read into the scratch buffer, and check or set the
   metatable without looking it up in the registry. */
void psock_open_socket(lua_State *L) {
  int mt, scratch;
  luaL_newmetatable(L, PSOCK_SOCKET);
  mt = lua_gettop(L);
  aux_newscratch(L);
  scratch = lua_gettop(L);
  aux_setfuncs(L, mt, sock_metamethods, scratch, mt);
  luaL_newlibtable(L, sock_methods);
  aux_setfuncs(L, -1, sock_methods, scratch, mt);
  aux_setfuncs(L, -1, psock_msg_methods, scratch, mt);
  lua_setfield(L, mt, "__index");
  lua_pushvalue(L, mt);
  lua_remove(L, mt);  /* scratch, metatable */
}

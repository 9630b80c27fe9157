/*
** bench/floor.c: "the Lua floor", the least any Lua socket binding can do,
** for bench/clients/floor.lua.  Not part of psock and never installed.
**
** Plain functions on integer descriptors, one system call each: the
** argument checks every C function called from Lua needs (luaL_check*),
** and nothing else -- no socket object, no metatable, no method look-up,
** no timeout, no retry after EINTR, addresses prepared once as packed
** sockaddr strings and received as such.  What a Lua loop of these calls
** costs above a C loop of the same system calls is the interpreter's own
** cost (the call, the result string and its collection), which no binding
** can take away; psock's figure over this one is what psock adds to it.
**
** Failures return nil, message, errno, as psock's do.
*/
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lua.h"
#include "lauxlib.h"

#define RECV_MAX 4096

static int fail(lua_State *L) {
  int err = errno;
  lua_pushnil(L);
  lua_pushstring(L, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

static int checkfd(lua_State *L, int arg) {
  lua_Integer fd = luaL_checkinteger(L, arg);
  luaL_argcheck(L, fd >= 0 && fd <= 0x7fffffff, arg, "not a descriptor");
  return (int)fd;
}

static int pushcount(lua_State *L, ssize_t r) {
  if (r < 0)
    return fail(L);
  lua_pushinteger(L, (lua_Integer)r);
  return 1;
}

static int pushdata(lua_State *L, const char *buf, ssize_t r) {
  if (r < 0)
    return fail(L);
  lua_pushlstring(L, buf, (size_t)r);
  return 1;
}

static size_t checkrecvsize(lua_State *L, int arg) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n > 0 && n <= RECV_MAX, arg, "size out of range");
  return (size_t)n;
}

/* A packed address string (from inet or unixaddr). */
static const struct sockaddr *checkaddr(lua_State *L, int arg,
                                        socklen_t *len) {
  size_t n;
  const char *p = luaL_checklstring(L, arg, &n);
  luaL_argcheck(L, n >= sizeof(sa_family_t) && n <= sizeof(struct sockaddr_un),
                arg, "not a packed address");
  *len = (socklen_t)n;
  return (const struct sockaddr *)(const void *)p;
}

/* floor.inet(ip, port) -> packed sockaddr_in */
static int f_inet(lua_State *L) {
  struct sockaddr_in sin;
  lua_Integer port = luaL_checkinteger(L, 2);
  luaL_argcheck(L, port >= 0 && port <= 65535, 2, "port out of range");
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, luaL_checkstring(L, 1), &sin.sin_addr) != 1)
    return luaL_argerror(L, 1, "not a dotted quad");
  lua_pushlstring(L, (const char *)&sin, sizeof sin);
  return 1;
}

/* floor.unixaddr(path) -> packed sockaddr_un */
static int f_unixaddr(lua_State *L) {
  struct sockaddr_un sun;
  size_t n;
  const char *path = luaL_checklstring(L, 1, &n);
  luaL_argcheck(L, n < sizeof sun.sun_path, 1, "path too long");
  memset(&sun, 0, sizeof sun);
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path, n);
  lua_pushlstring(L, (const char *)&sun, sizeof sun);
  return 1;
}

/* floor.socket("inet" | "unix", "stream" | "dgram") -> fd */
static int f_socket(lua_State *L) {
  static const char *const families[] = { "inet", "unix", NULL };
  static const char *const types[] = { "stream", "dgram", NULL };
  int family = luaL_checkoption(L, 1, NULL, families) ? AF_UNIX : AF_INET;
  int type = luaL_checkoption(L, 2, NULL, types) ? SOCK_DGRAM : SOCK_STREAM;
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return fail(L);
  lua_pushinteger(L, fd);
  return 1;
}

/* call(fd, packed address) -> true | nil, message, errno */
static int addrcall(lua_State *L,
                    int (*call)(int, const struct sockaddr *, socklen_t)) {
  socklen_t len;
  const struct sockaddr *sa = checkaddr(L, 2, &len);
  if (call(checkfd(L, 1), sa, len) != 0)
    return fail(L);
  lua_pushboolean(L, 1);
  return 1;
}

static int f_connect(lua_State *L) {
  return addrcall(L, connect);
}

static int f_bind(lua_State *L) {
  return addrcall(L, bind);
}

static int f_nodelay(lua_State *L) {
  int on = 1;
  if (setsockopt(checkfd(L, 1), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0)
    return fail(L);
  lua_pushboolean(L, 1);
  return 1;
}

static int f_send(lua_State *L) {
  size_t len;
  int fd = checkfd(L, 1);
  const char *p = luaL_checklstring(L, 2, &len);
  return pushcount(L, send(fd, p, len, MSG_NOSIGNAL));
}

static int f_recv(lua_State *L) {
  char buf[RECV_MAX];
  int fd = checkfd(L, 1);
  size_t n = checkrecvsize(L, 2);
  return pushdata(L, buf, recv(fd, buf, n, 0));
}

static int f_sendto(lua_State *L) {
  size_t len;
  socklen_t alen;
  int fd = checkfd(L, 1);
  const char *p = luaL_checklstring(L, 2, &len);
  const struct sockaddr *sa = checkaddr(L, 3, &alen);
  return pushcount(L, sendto(fd, p, len, MSG_NOSIGNAL, sa, alen));
}

/* floor.recvfrom(fd, n) -> data, packed sender address */
static int f_recvfrom(lua_State *L) {
  char buf[RECV_MAX];
  struct sockaddr_storage ss;
  socklen_t alen = sizeof ss;
  int fd = checkfd(L, 1);
  size_t n = checkrecvsize(L, 2);
  ssize_t r = recvfrom(fd, buf, n, 0, (struct sockaddr *)&ss, &alen);
  if (pushdata(L, buf, r) != 1)
    return 2;
  lua_pushlstring(L, (const char *)&ss, alen);
  return 2;
}

static int f_shutdown_wr(lua_State *L) {
  if (shutdown(checkfd(L, 1), SHUT_WR) != 0)
    return fail(L);
  lua_pushboolean(L, 1);
  return 1;
}

static int f_close(lua_State *L) {
  if (close(checkfd(L, 1)) != 0)
    return fail(L);
  lua_pushboolean(L, 1);
  return 1;
}

/* floor.now() -> seconds on CLOCK_MONOTONIC */
static int f_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

static const luaL_Reg funcs[] = {
  { "inet", f_inet },
  { "unixaddr", f_unixaddr },
  { "socket", f_socket },
  { "connect", f_connect },
  { "bind", f_bind },
  { "nodelay", f_nodelay },
  { "send", f_send },
  { "recv", f_recv },
  { "sendto", f_sendto },
  { "recvfrom", f_recvfrom },
  { "shutdown_wr", f_shutdown_wr },
  { "close", f_close },
  { "now", f_now },
  { NULL, NULL }
};

int luaopen_floor(lua_State *L);

int luaopen_floor(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}

/*
** psock: the BSD socket API for Lua 5.4.
** Declarations shared between the C files of the module.
*/
#ifndef PSOCK_H
#define PSOCK_H

#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <lua.h>
#include <lauxlib.h>

/* Everything declared below is shared between psock's own files only: a
   build without -fvisibility=hidden (LuaRocks' builtin one) still exports
   nothing but luaopen_psock.  (After the includes: the Lua API functions
   come from the interpreter and must stay visible.) */
#if defined(__GNUC__)
#pragma GCC visibility push(hidden)
#endif

#define PSOCK_VERSION "psock 0.1.0"
#define PSOCK_SOCKET "psock.socket"

/* psock's own deadline ran out; reported as nil, "timeout", ETIMEDOUT */
#define PSOCK_ETIMEOUT (-1)

#if defined(__GNUC__)
#define PSOCK_EXPORT __attribute__((visibility("default")))
#else
#define PSOCK_EXPORT
#endif

/* The socket userdata.  fd == -1 means closed.
   Datagram calls keep two one-entry caches, so that a peer met again costs
   no address conversion: the last sender of recvfrom (its host string is
   the userdata's uservalue 1) and the last destination of sendto (uservalue
   2 holds the host string it was made from, which keeps comparing that
   string by identity valid). */
typedef struct psock_Socket {
  int fd;
  int family;
  int type;
  int protocol;
  double timeout;  /* seconds; < 0 means block without limit */
  unsigned char from[16];  /* the last sender's address bytes... */
  unsigned fromlen;        /* ...4 or 16 of them; 0: nothing cached */
  int toport;              /* the last destination's port, -1: none */
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } to;                    /* ...and its address */
  socklen_t tolen;
} psock_Socket;

/* A name/number pair, for families, types, directions and constants. */
typedef struct psock_Name {
  const char *name;
  int value;
} psock_Name;

/* A socket address as the kernel sees it.  named: it came from a name
   lookup (getaddrinfo), so it may change and is never cached. */
typedef struct psock_Addr {
  struct sockaddr_storage ss;
  socklen_t len;
  int named;
} psock_Addr;

/* psock.c: results and names */
int psock_fail(lua_State *L, int err);
void *psock_checkudata(lua_State *L, int arg, int mt, const char *tname);
int psock_gaifail(lua_State *L, int code);
void psock_checknozero(lua_State *L, int idx, int arg);
const char *psock_checkcstring(lua_State *L, int arg);
int psock_findname(const psock_Name *names, const char *name, int *value);
int psock_checkname(lua_State *L, int arg, const psock_Name *names,
                    const char *what);
const char *psock_nameof(const psock_Name *names, int value);
void psock_pushname(lua_State *L, const psock_Name *names, int value);
extern const psock_Name psock_families[];
extern const psock_Name psock_types[];

/* socket.c: the userdata and its methods */
psock_Socket *psock_newsocket(lua_State *L);
psock_Socket *psock_checksocket(lua_State *L, int arg);
int psock_retry_after_gc(lua_State *L, int err, int *tried);
void psock_open_socket(lua_State *L);
int psock_mod_socket(lua_State *L);
int psock_mod_socketpair(lua_State *L);
int psock_mod_fromfd(lua_State *L);
int psock_mod_type(lua_State *L);
int psock_tofd(lua_State *L, int idx);
char *psock_scratch(lua_State *L, size_t size);
int psock_holdscratch(lua_State *L, int held);
size_t psock_optsize(lua_State *L, int arg);
int psock_optflags(lua_State *L, int arg);

/* msg.c: sendmsg/recvmsg, descriptor passing, batches, sendfile, fdopen */
extern const luaL_Reg psock_msg_methods[];
int psock_mod_fdopen(lua_State *L);

/* addr.c: Lua values <-> sockaddr */
int psock_toaddr(lua_State *L, int arg, const psock_Socket *s,
                 psock_Addr *a, int *nargs);
int psock_checkport(lua_State *L, int arg, const char **service);
int psock_pushaddr(lua_State *L, const psock_Addr *a);
int psock_addrstring(const psock_Addr *a, char *buf, size_t size);
int psock_mod_inet_pton(lua_State *L);
int psock_mod_inet_ntop(lua_State *L);

/* resolve.c: name resolution */
int psock_mod_getaddrinfo(lua_State *L);
int psock_mod_getnameinfo(lua_State *L);
int psock_mod_if_nametoindex(lua_State *L);
int psock_mod_if_indextoname(lua_State *L);

/* wait.c: select; poller.c: the poller */
int psock_mod_select(lua_State *L);
int psock_mod_poller(lua_State *L);
void psock_open_poller(lua_State *L);
void psock_poller_forget(lua_State *L, int poller, int sock);
void psock_membership(lua_State *L, int sock, int poller, int member);

/* options.c: setopt/getopt */
int psock_sock_setopt(lua_State *L);
int psock_sock_getopt(lua_State *L);

/* wait.c: deadlines and readiness */
double psock_now(void);
double psock_deadline(const psock_Socket *s);
int psock_pollms(double deadline, int *expired);
double psock_optdeadline(lua_State *L, int arg);
int psock_waitfd(int fd, short events, double deadline);
double psock_calltimeout(const psock_Socket *s, int flags);
int psock_again(const psock_Socket *s, double timeout, int err, short events,
                double *deadline);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif

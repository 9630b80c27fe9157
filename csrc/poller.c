/*
** psock: the poller, readiness for many descriptors at once.
** epoll on Linux, so that a wait costs O(ready) however many descriptors
** are registered; poll(2) elsewhere, or on Linux when built with
** -DPSOCK_POLLER_POLL (make POLLER=poll), so that the fallback is tested.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "psock.h"

#if defined(__linux__) && !defined(PSOCK_POLLER_POLL)
#define USE_EPOLL 1
#include <sys/epoll.h>
#else
#define USE_EPOLL 0
#endif

#define PSOCK_POLLER "psock.poller"
#define DEFAULT_MAX 256

/* Uservalue 1 of the poller maps each registered descriptor to the object
   added for it (socket or integer), so that wait gives that object back.
   gens[fd] is the number of fd's registration (0: none): every add takes
   a new one, and a result carries it, so that a result for a descriptor
   removed during the iteration is never given to a new registration of
   the same number.  The poll backend's uservalue 2 maps a descriptor to
   its slot in fds.
   A socket keeps the set of pollers it was added to (see socket.c), and
   leaves them before its descriptor is closed. */
typedef struct Poller {
  int open;
  int cursor, nready;  /* the wait iterator's position in the results */
  unsigned lastgen;    /* the last registration's number */
  unsigned *gens;      /* indexed by descriptor */
  int gencap;
#if USE_EPOLL
  int epfd;
  struct epoll_event *events;  /* results of the last wait */
  int capacity;
#else
  struct pollfd *fds;  /* every registered descriptor */
  int nfds, capacity;
  struct Ready { int fd; unsigned gen; short revents; } *ready;
  int readycap;        /* ready: the last wait's results */
  int rotate;          /* where the next scan of fds starts */
#endif
} Poller;

#if !USE_EPOLL
typedef struct Ready Ready;
#endif

/* The poller at 1, open or closed.  The poller's methods, metamethods and
   wait iterator hold its metatable as upvalue 1; the methods hold the
   iterator as upvalue 2, so that a wait makes no closure. */
static Poller *aux_topoller(lua_State *L) {
  return (Poller *)psock_checkudata(L, 1, lua_upvalueindex(1), PSOCK_POLLER);
}

static Poller *aux_checkpoller(lua_State *L) {
  Poller *p = aux_topoller(L);
  if (!p->open)
    luaL_error(L, "attempt to use a closed poller");
  return p;
}

static const psock_Name poller_events[] = {
  { "r", POLLIN },
  { "w", POLLOUT },
  { "rw", POLLIN | POLLOUT },
  { NULL, 0 }
};

/* The events argument as POLLIN/POLLOUT bits; only "r", "w", "rw". */
static int aux_checkevents(lua_State *L, int arg) {
  int events;
  luaL_checktype(L, arg, LUA_TSTRING);
  events = psock_checkname(L, arg, poller_events, "events");
  return events;
}

/* Grow a C array held by the poller to at least n elements.  The pointer
   is stored before anything can raise, so nothing leaks. */
static void *aux_grow(lua_State *L, void *array, int *capacity, int n,
                      size_t size) {
  void *bigger;
  int cap = *capacity > 0 ? *capacity : 16;
  if (n <= *capacity)
    return array;
  while (cap < n)
    cap = cap > INT_MAX / 2 ? n : cap * 2;
  bigger = realloc(array, (size_t)cap * size);
  if (bigger == NULL) {
    luaL_error(L, "not enough memory");
    return NULL;
  }
  *capacity = cap;
  return bigger;
}

/* The events that happened, as "r", "w", "e", "h" in a string. */
static void aux_pushrevents(lua_State *L, int in, int out, int err, int hup) {
  char text[4];
  int n = 0;
  if (in) text[n++] = 'r';
  if (out) text[n++] = 'w';
  if (err) text[n++] = 'e';
  if (hup) text[n++] = 'h';
  lua_pushlstring(L, text, (size_t)n);
}

/* Push the object registered for fd, if its registration is still gen
   (the poller is at index 1): 1, or 0 with nothing pushed. */
static int aux_pushcurrent(lua_State *L, const Poller *p, int fd,
                           unsigned gen) {
  if (fd < 0 || fd >= p->gencap || p->gens[fd] != gen)
    return 0;
  lua_getiuservalue(L, 1, 1);
  lua_rawgeti(L, -1, fd);
  lua_remove(L, -2);
  return 1;
}

/* Make room for fd in gens, the new part zero (no registration). */
static void aux_roomforgen(lua_State *L, Poller *p, int fd) {
  int old = p->gencap, i;
  p->gens = (unsigned *)aux_grow(L, p->gens, &p->gencap, fd + 1,
                                 sizeof *p->gens);
  for (i = old; i < p->gencap; i++)
    p->gens[i] = 0;
}

/* Set (gen > 0) or clear (gen 0) the registration of fd, for the object at
   index obj (the poller is at index 1; room for fd was made when it was
   added). */
static void aux_setentry(lua_State *L, Poller *p, int fd, int obj,
                         unsigned gen) {
  lua_getiuservalue(L, 1, 1);
  if (gen > 0)
    lua_pushvalue(L, obj);
  else
    lua_pushnil(L);
  lua_rawseti(L, -2, fd);
  lua_pop(L, 1);
  if (fd < p->gencap)
    p->gens[fd] = gen;
}

/* ---- the two backends: create, control, wait, read a result, close ---- */

#if USE_EPOLL

static int backend_open(Poller *p) {
  p->epfd = epoll_create1(EPOLL_CLOEXEC);
  p->events = NULL;
  p->capacity = 0;
  return p->epfd < 0 ? errno : 0;
}

static unsigned aux_epollevents(int events) {
  return ((events & POLLIN) ? EPOLLIN : 0u)
         | ((events & POLLOUT) ? EPOLLOUT : 0u);
}

/* op: 'a' add, 'm' modify, 'r' remove; gen: the registration's number,
   kept with the descriptor in the event's data.  0 or an errno. */
static int backend_ctl(lua_State *L, Poller *p, int op, int fd, int events,
                       unsigned gen) {
  struct epoll_event ev;
  int how = op == 'a' ? EPOLL_CTL_ADD : op == 'm' ? EPOLL_CTL_MOD
                                                  : EPOLL_CTL_DEL;
  (void)L;
  ev.events = aux_epollevents(events);
  ev.data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd;
  return epoll_ctl(p->epfd, how, fd, &ev) == 0 ? 0 : errno;
}

static int backend_wait(lua_State *L, Poller *p, int max, int ms) {
  int n;
  p->events = (struct epoll_event *)aux_grow(L, p->events, &p->capacity, max,
                                             sizeof *p->events);
  n = epoll_wait(p->epfd, p->events, max, ms);
  if (n < 0)
    return -errno;
  return n;
}

/* Push the object and events of result i; 0 if its registration was
   removed since the wait. */
static int backend_pushresult(lua_State *L, Poller *p, int i) {
  const struct epoll_event *ev = &p->events[i];
  int fd = (int)(uint32_t)ev->data.u64;
  if (!aux_pushcurrent(L, p, fd, (unsigned)(ev->data.u64 >> 32)))
    return 0;
  aux_pushrevents(L, ev->events & (EPOLLIN | EPOLLPRI), ev->events & EPOLLOUT,
                  ev->events & EPOLLERR, ev->events & EPOLLHUP);
  return 1;
}

/* A registered descriptor that was closed: epoll forgot it by itself,
   unless a duplicate keeps its file open, and then nothing can remove it
   any more (psock's own sockets leave before they close, see socket.c). */
static void backend_forget(lua_State *L, Poller *p, int fd) {
  (void)L;
  (void)p;
  (void)fd;
}

static void backend_close(Poller *p) {
  close(p->epfd);
  free(p->events);
  p->events = NULL;
}

#else  /* poll(2) */

static int backend_open(Poller *p) {
  p->fds = NULL;
  p->nfds = p->capacity = 0;
  p->ready = NULL;
  p->readycap = 0;
  p->rotate = 0;
  return 0;
}

/* The slot of fd in p->fds (uservalue 2), or -1. */
static int aux_slot(lua_State *L, int fd) {
  int slot;
  lua_getiuservalue(L, 1, 2);
  slot = lua_rawgeti(L, -1, fd) == LUA_TNIL ? -1 : (int)lua_tointeger(L, -1);
  lua_pop(L, 2);
  return slot;
}

static void aux_setslot(lua_State *L, int fd, int slot) {
  lua_getiuservalue(L, 1, 2);
  if (slot < 0)
    lua_pushnil(L);
  else
    lua_pushinteger(L, slot);
  lua_rawseti(L, -2, fd);
  lua_pop(L, 1);
}

/* Drop the entry in slot: the last entry takes its place. */
static void aux_dropslot(lua_State *L, Poller *p, int slot) {
  int fd = p->fds[slot].fd, last = --p->nfds;
  if (slot != last) {
    p->fds[slot] = p->fds[last];
    aux_setslot(L, p->fds[slot].fd, slot);
  }
  aux_setslot(L, fd, -1);
}

static int backend_ctl(lua_State *L, Poller *p, int op, int fd, int events,
                       unsigned gen) {
  int slot = aux_slot(L, fd);
  if (op == 'a') {
    if (slot >= 0)
      return EEXIST;
    if (fcntl(fd, F_GETFD) < 0)  /* as epoll_ctl would, refuse a bad fd */
      return errno;
    p->fds = (struct pollfd *)aux_grow(L, p->fds, &p->capacity, p->nfds + 1,
                                       sizeof *p->fds);
    slot = p->nfds++;
    p->fds[slot].fd = fd;
    p->fds[slot].events = (short)events;
    p->fds[slot].revents = 0;
    (void)gen;  /* kept in gens[fd] */
    aux_setslot(L, fd, slot);
    return 0;
  }
  if (slot < 0)
    return ENOENT;
  if (op == 'm')
    p->fds[slot].events = (short)events;
  else
    aux_dropslot(L, p, slot);
  return 0;
}

/* Forget a descriptor that was closed while registered, as epoll does. */
static void backend_forget(lua_State *L, Poller *p, int fd) {
  int slot = aux_slot(L, fd);
  if (slot >= 0)
    aux_dropslot(L, p, slot);
}

/* The results are copied out (descriptor and events), so that add and
   remove during the iteration cannot change them.  The scan starts where
   the last one stopped, so that a small max does not starve the entries
   at the end. */
static int backend_wait(lua_State *L, Poller *p, int max, int ms) {
  int n, i, j, k = 0;
  p->ready = (Ready *)aux_grow(L, p->ready, &p->readycap, max,
                              sizeof *p->ready);
  n = poll(p->fds, (nfds_t)p->nfds, ms);
  if (n < 0)
    return -errno;
  for (j = 0; j < p->nfds && k < max; j++) {
    int slot = (p->rotate + j) % p->nfds;
    const struct pollfd *pfd = &p->fds[slot];
    if (pfd->revents == 0 || (pfd->revents & POLLNVAL))
      continue;
    p->ready[k].fd = pfd->fd;
    p->ready[k].gen = p->gens[pfd->fd];
    p->ready[k].revents = pfd->revents;
    k++;
  }
  p->rotate = p->nfds > 0 ? (p->rotate + j) % p->nfds : 0;
  for (i = p->nfds - 1; i >= 0; i--)  /* closed while registered */
    if (p->fds[i].revents & POLLNVAL) {
      int fd = p->fds[i].fd;
      aux_dropslot(L, p, i);
      aux_setentry(L, p, fd, 0, 0);
    }
  return k;
}

static int backend_pushresult(lua_State *L, Poller *p, int i) {
  const Ready *r = &p->ready[i];
  if (!aux_pushcurrent(L, p, r->fd, r->gen))  /* removed since the wait */
    return 0;
  aux_pushrevents(L, r->revents & (POLLIN | POLLPRI), r->revents & POLLOUT,
                  r->revents & POLLERR, r->revents & POLLHUP);
  return 1;
}

static void backend_close(Poller *p) {
  free(p->fds);
  free(p->ready);
  p->fds = NULL;
  p->ready = NULL;
}

#endif

/* ---- the Lua side ---- */

/* psock.poller() -> poller | nil, msg, errno */
int psock_mod_poller(lua_State *L) {
  Poller *p = (Poller *)lua_newuserdatauv(L, sizeof *p, 2);
  int err, i, tried = 0;
  p->open = 0;
  p->cursor = p->nready = 0;
  p->lastgen = 0;
  p->gens = NULL;
  p->gencap = 0;
  luaL_setmetatable(L, PSOCK_POLLER);
  for (i = 1; i <= 2; i++) {
    lua_newtable(L);
    lua_setiuservalue(L, -2, i);
  }
  while ((err = backend_open(p)) != 0)
    if (!psock_retry_after_gc(L, err, &tried))
      return psock_fail(L, err);
  p->open = 1;
  return 1;
}

/* The descriptor of the object at arg 2. */
static int aux_checkfd(lua_State *L) {
  int fd = psock_tofd(L, 2);
  luaL_argexpected(L, fd >= 0, 2, "socket, file or descriptor");
  return fd;
}

/* If fd is registered for a socket that has since been closed (without
   leaving: a closed integer descriptor, say), forget that entry: the
   number now belongs to a new descriptor. */
static void aux_dropstale(lua_State *L, Poller *p, int fd) {
  psock_Socket *s;
  lua_getiuservalue(L, 1, 1);
  lua_rawgeti(L, -1, fd);
  s = (psock_Socket *)luaL_testudata(L, -1, PSOCK_SOCKET);
  lua_pop(L, 2);
  if (s != NULL && s->fd < 0) {
    backend_forget(L, p, fd);
    aux_setentry(L, p, fd, 0, 0);
  }
}

static int aux_ctl(lua_State *L, int op) {
  Poller *p = aux_checkpoller(L);
  int fd = aux_checkfd(L);
  int events = op == 'r' ? 0 : aux_checkevents(L, 3);
  unsigned gen = op == 'a' ? p->lastgen + 1 : 0;
  int err;
  if (op == 'a') {
    if (gen == 0)  /* after 2^32 registrations: any number not in use */
      gen = 1;
    aux_dropstale(L, p, fd);
    aux_roomforgen(L, p, fd);
  }
  else if (op == 'm')  /* the registration goes on */
    gen = fd < p->gencap ? p->gens[fd] : 0;
  if ((err = backend_ctl(L, p, op, fd, events, gen)) != 0)
    return psock_fail(L, err);
  if (op != 'm') {  /* modify keeps the object that was added */
    psock_Socket *s = (psock_Socket *)luaL_testudata(L, 2, PSOCK_SOCKET);
    if (op == 'a')
      p->lastgen = gen;
    aux_setentry(L, p, fd, 2, gen);
    if (s != NULL)
      psock_membership(L, 2, 1, op == 'a');
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* p:add(sock_or_fd, events) -> true | nil, msg, errno */
static int poller_add(lua_State *L) {
  return aux_ctl(L, 'a');
}

/* p:modify(sock_or_fd, events) -> true | nil, msg, errno */
static int poller_modify(lua_State *L) {
  return aux_ctl(L, 'm');
}

/* p:remove(sock_or_fd) -> true | nil, msg, errno.  A closed socket has
   left every poller already: removing it is true. */
static int poller_remove(lua_State *L) {
  psock_Socket *s = (psock_Socket *)luaL_testudata(L, 2, PSOCK_SOCKET);
  aux_checkpoller(L);
  if (s != NULL && s->fd < 0) {
    lua_pushboolean(L, 1);
    return 1;
  }
  return aux_ctl(L, 'r');
}

/* Called as aux_forget(poller, sock): remove the socket's registration.
   (A function of its own because the helpers find the poller at 1.) */
static int aux_forget(lua_State *L) {
  Poller *p = (Poller *)lua_touserdata(L, 1);
  int fd = ((psock_Socket *)lua_touserdata(L, 2))->fd;
  backend_ctl(L, p, 'r', fd, 0, 0);
  aux_setentry(L, p, fd, 0, 0);
  return 0;
}

/* A socket (at index sock) is about to close its descriptor: if it is
   registered in the poller at index poller, remove it while the
   descriptor still names its file. */
void psock_poller_forget(lua_State *L, int poller, int sock) {
  Poller *p = (Poller *)luaL_testudata(L, poller, PSOCK_POLLER);
  int fd = ((psock_Socket *)lua_touserdata(L, sock))->fd, registered;
  if (p == NULL || !p->open)
    return;
  poller = lua_absindex(L, poller);
  sock = lua_absindex(L, sock);
  lua_getiuservalue(L, poller, 1);
  lua_rawgeti(L, -1, fd);
  registered = lua_rawequal(L, -1, sock);
  lua_pop(L, 2);
  if (!registered)
    return;
  lua_pushcfunction(L, aux_forget);
  lua_pushvalue(L, poller);
  lua_pushvalue(L, sock);
  lua_call(L, 2, 0);
}

/* The wait iterator: the next ready object and its events, or nothing.
   (Called as f(p, control): a result is the top two values pushed.) */
static int poller_next(lua_State *L) {
  Poller *p = aux_topoller(L);
  while (p->open && p->cursor < p->nready)
    if (backend_pushresult(L, p, p->cursor++))
      return 2;
  return 0;
}

/* p:wait([timeout [, max]]) -> iterator over (object, events).
   Waits at most timeout seconds (nil: no limit) for up to max results;
   a signal only recomputes the time left. */
static int poller_wait(lua_State *L) {
  Poller *p = aux_checkpoller(L);
  double deadline = psock_optdeadline(L, 2);
  lua_Integer max = luaL_optinteger(L, 3, DEFAULT_MAX);
  int n, expired;
  luaL_argcheck(L, max >= 1 && max <= 1 << 20, 3, "max out of range");
  p->cursor = p->nready = 0;
  for (;;) {
    int ms = psock_pollms(deadline, &expired);
    n = backend_wait(L, p, (int)max, ms);
    if (n > 0) {
      p->nready = n;
      break;
    }
    if (n < 0 && -n != EINTR)
      return psock_fail(L, -n);
    if (expired)
      break;
  }
  lua_pushvalue(L, lua_upvalueindex(2));  /* poller_next */
  lua_pushvalue(L, 1);
  return 2;
}

/* p:close() -> true; closing again is harmless */
static int poller_close(lua_State *L) {
  Poller *p = aux_topoller(L);
  if (p->open) {
    p->open = 0;
    p->cursor = p->nready = 0;
    backend_close(p);
    free(p->gens);
    p->gens = NULL;
    p->gencap = 0;
    lua_newtable(L);  /* let go of the registered objects */
    lua_setiuservalue(L, 1, 1);
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* p:fileno() -> the epoll descriptor, or nil with the poll backend */
static int poller_fileno(lua_State *L) {
  Poller *p = aux_checkpoller(L);
#if USE_EPOLL
  lua_pushinteger(L, p->epfd);
#else
  (void)p;
  lua_pushnil(L);
#endif
  return 1;
}

/* p:backend() -> "epoll" | "poll" */
static int poller_backend(lua_State *L) {
  aux_checkpoller(L);
  lua_pushstring(L, USE_EPOLL ? "epoll" : "poll");
  return 1;
}

static int poller_tostring(lua_State *L) {
  Poller *p = aux_topoller(L);
  const char *state = !p->open ? "closed" : USE_EPOLL ? "epoll" : "poll";
  lua_pushfstring(L, "psock.poller(%s)", state);
  return 1;
}

static const luaL_Reg poller_methods[] = {
  { "add", poller_add },
  { "modify", poller_modify },
  { "remove", poller_remove },
  { "wait", poller_wait },
  { "close", poller_close },
  { "fileno", poller_fileno },
  { "backend", poller_backend },
  { NULL, NULL }
};

static const luaL_Reg poller_metamethods[] = {
  { "__gc", poller_close },
  { "__close", poller_close },
  { "__tostring", poller_tostring },
  { "__index", NULL },
  { NULL, NULL }
};

void psock_open_poller(lua_State *L) {
  luaL_newmetatable(L, PSOCK_POLLER);
  lua_pushvalue(L, -1);
  luaL_setfuncs(L, poller_metamethods, 1);  /* upvalue: the metatable */
  luaL_newlibtable(L, poller_methods);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, poller_next, 1);
  luaL_setfuncs(L, poller_methods, 2);  /* upvalues: metatable, iterator */
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

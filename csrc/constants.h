/*
** The constants psock exports, each only where the platform defines it.
** Generated once from a list of names; edit by hand, keeping the #ifdefs.
*/

#ifndef PSOCK_CONSTANTS_H
#define PSOCK_CONSTANTS_H

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "psock.h"

/* Exported under their C names; only psock.c includes this file. */
static const psock_Name psock_constants[] = {
/* address families */
#ifdef AF_UNSPEC
  { "AF_UNSPEC", AF_UNSPEC },
#endif
#ifdef AF_INET
  { "AF_INET", AF_INET },
#endif
#ifdef AF_INET6
  { "AF_INET6", AF_INET6 },
#endif
#ifdef AF_UNIX
  { "AF_UNIX", AF_UNIX },
#endif
#ifdef AF_LOCAL
  { "AF_LOCAL", AF_LOCAL },
#endif
#ifdef AF_PACKET
  { "AF_PACKET", AF_PACKET },
#endif
#ifdef AF_NETLINK
  { "AF_NETLINK", AF_NETLINK },
#endif

/* socket types */
#ifdef SOCK_STREAM
  { "SOCK_STREAM", SOCK_STREAM },
#endif
#ifdef SOCK_DGRAM
  { "SOCK_DGRAM", SOCK_DGRAM },
#endif
#ifdef SOCK_SEQPACKET
  { "SOCK_SEQPACKET", SOCK_SEQPACKET },
#endif
#ifdef SOCK_RAW
  { "SOCK_RAW", SOCK_RAW },
#endif
#ifdef SOCK_RDM
  { "SOCK_RDM", SOCK_RDM },
#endif
#ifdef SOCK_NONBLOCK
  { "SOCK_NONBLOCK", SOCK_NONBLOCK },
#endif
#ifdef SOCK_CLOEXEC
  { "SOCK_CLOEXEC", SOCK_CLOEXEC },
#endif

/* protocols */
#ifdef IPPROTO_IP
  { "IPPROTO_IP", IPPROTO_IP },
#endif
#ifdef IPPROTO_IPV6
  { "IPPROTO_IPV6", IPPROTO_IPV6 },
#endif
#ifdef IPPROTO_TCP
  { "IPPROTO_TCP", IPPROTO_TCP },
#endif
#ifdef IPPROTO_UDP
  { "IPPROTO_UDP", IPPROTO_UDP },
#endif
#ifdef IPPROTO_ICMP
  { "IPPROTO_ICMP", IPPROTO_ICMP },
#endif
#ifdef IPPROTO_ICMPV6
  { "IPPROTO_ICMPV6", IPPROTO_ICMPV6 },
#endif
#ifdef IPPROTO_RAW
  { "IPPROTO_RAW", IPPROTO_RAW },
#endif
#ifdef IPPROTO_SCTP
  { "IPPROTO_SCTP", IPPROTO_SCTP },
#endif
#ifdef IPPROTO_UDPLITE
  { "IPPROTO_UDPLITE", IPPROTO_UDPLITE },
#endif

/* option levels */
#ifdef SOL_SOCKET
  { "SOL_SOCKET", SOL_SOCKET },
#endif
#ifdef SOL_IP
  { "SOL_IP", SOL_IP },
#endif
#ifdef SOL_IPV6
  { "SOL_IPV6", SOL_IPV6 },
#endif
#ifdef SOL_TCP
  { "SOL_TCP", SOL_TCP },
#endif
#ifdef SOL_UDP
  { "SOL_UDP", SOL_UDP },
#endif

/* socket options */
#ifdef SO_ACCEPTCONN
  { "SO_ACCEPTCONN", SO_ACCEPTCONN },
#endif
#ifdef SO_BINDTODEVICE
  { "SO_BINDTODEVICE", SO_BINDTODEVICE },
#endif
#ifdef SO_BROADCAST
  { "SO_BROADCAST", SO_BROADCAST },
#endif
#ifdef SO_DEBUG
  { "SO_DEBUG", SO_DEBUG },
#endif
#ifdef SO_DOMAIN
  { "SO_DOMAIN", SO_DOMAIN },
#endif
#ifdef SO_DONTROUTE
  { "SO_DONTROUTE", SO_DONTROUTE },
#endif
#ifdef SO_ERROR
  { "SO_ERROR", SO_ERROR },
#endif
#ifdef SO_KEEPALIVE
  { "SO_KEEPALIVE", SO_KEEPALIVE },
#endif
#ifdef SO_LINGER
  { "SO_LINGER", SO_LINGER },
#endif
#ifdef SO_MARK
  { "SO_MARK", SO_MARK },
#endif
#ifdef SO_OOBINLINE
  { "SO_OOBINLINE", SO_OOBINLINE },
#endif
#ifdef SO_PASSCRED
  { "SO_PASSCRED", SO_PASSCRED },
#endif
#ifdef SO_PEERCRED
  { "SO_PEERCRED", SO_PEERCRED },
#endif
#ifdef SO_PRIORITY
  { "SO_PRIORITY", SO_PRIORITY },
#endif
#ifdef SO_PROTOCOL
  { "SO_PROTOCOL", SO_PROTOCOL },
#endif
#ifdef SO_RCVBUF
  { "SO_RCVBUF", SO_RCVBUF },
#endif
#ifdef SO_RCVLOWAT
  { "SO_RCVLOWAT", SO_RCVLOWAT },
#endif
#ifdef SO_RCVTIMEO
  { "SO_RCVTIMEO", SO_RCVTIMEO },
#endif
#ifdef SO_REUSEADDR
  { "SO_REUSEADDR", SO_REUSEADDR },
#endif
#ifdef SO_REUSEPORT
  { "SO_REUSEPORT", SO_REUSEPORT },
#endif
#ifdef SO_SNDBUF
  { "SO_SNDBUF", SO_SNDBUF },
#endif
#ifdef SO_SNDLOWAT
  { "SO_SNDLOWAT", SO_SNDLOWAT },
#endif
#ifdef SO_SNDTIMEO
  { "SO_SNDTIMEO", SO_SNDTIMEO },
#endif
#ifdef SO_TIMESTAMP
  { "SO_TIMESTAMP", SO_TIMESTAMP },
#endif
#ifdef SO_TYPE
  { "SO_TYPE", SO_TYPE },
#endif
#ifdef SO_BUSY_POLL
  { "SO_BUSY_POLL", SO_BUSY_POLL },
#endif
#ifdef SO_INCOMING_CPU
  { "SO_INCOMING_CPU", SO_INCOMING_CPU },
#endif
#ifdef SO_ZEROCOPY
  { "SO_ZEROCOPY", SO_ZEROCOPY },
#endif
#ifdef SO_NOSIGPIPE
  { "SO_NOSIGPIPE", SO_NOSIGPIPE },
#endif

/* tcp options */
#ifdef TCP_NODELAY
  { "TCP_NODELAY", TCP_NODELAY },
#endif
#ifdef TCP_MAXSEG
  { "TCP_MAXSEG", TCP_MAXSEG },
#endif
#ifdef TCP_CORK
  { "TCP_CORK", TCP_CORK },
#endif
#ifdef TCP_KEEPIDLE
  { "TCP_KEEPIDLE", TCP_KEEPIDLE },
#endif
#ifdef TCP_KEEPINTVL
  { "TCP_KEEPINTVL", TCP_KEEPINTVL },
#endif
#ifdef TCP_KEEPCNT
  { "TCP_KEEPCNT", TCP_KEEPCNT },
#endif
#ifdef TCP_SYNCNT
  { "TCP_SYNCNT", TCP_SYNCNT },
#endif
#ifdef TCP_LINGER2
  { "TCP_LINGER2", TCP_LINGER2 },
#endif
#ifdef TCP_DEFER_ACCEPT
  { "TCP_DEFER_ACCEPT", TCP_DEFER_ACCEPT },
#endif
#ifdef TCP_WINDOW_CLAMP
  { "TCP_WINDOW_CLAMP", TCP_WINDOW_CLAMP },
#endif
#ifdef TCP_INFO
  { "TCP_INFO", TCP_INFO },
#endif
#ifdef TCP_QUICKACK
  { "TCP_QUICKACK", TCP_QUICKACK },
#endif
#ifdef TCP_CONGESTION
  { "TCP_CONGESTION", TCP_CONGESTION },
#endif
#ifdef TCP_USER_TIMEOUT
  { "TCP_USER_TIMEOUT", TCP_USER_TIMEOUT },
#endif
#ifdef TCP_FASTOPEN
  { "TCP_FASTOPEN", TCP_FASTOPEN },
#endif
#ifdef TCP_FASTOPEN_CONNECT
  { "TCP_FASTOPEN_CONNECT", TCP_FASTOPEN_CONNECT },
#endif
#ifdef TCP_NOTSENT_LOWAT
  { "TCP_NOTSENT_LOWAT", TCP_NOTSENT_LOWAT },
#endif
#ifdef TCP_KEEPALIVE
  { "TCP_KEEPALIVE", TCP_KEEPALIVE },
#endif

/* ip options */
#ifdef IP_TOS
  { "IP_TOS", IP_TOS },
#endif
#ifdef IP_TTL
  { "IP_TTL", IP_TTL },
#endif
#ifdef IP_HDRINCL
  { "IP_HDRINCL", IP_HDRINCL },
#endif
#ifdef IP_OPTIONS
  { "IP_OPTIONS", IP_OPTIONS },
#endif
#ifdef IP_RECVERR
  { "IP_RECVERR", IP_RECVERR },
#endif
#ifdef IP_PKTINFO
  { "IP_PKTINFO", IP_PKTINFO },
#endif
#ifdef IP_MTU_DISCOVER
  { "IP_MTU_DISCOVER", IP_MTU_DISCOVER },
#endif
#ifdef IP_MTU
  { "IP_MTU", IP_MTU },
#endif
#ifdef IP_FREEBIND
  { "IP_FREEBIND", IP_FREEBIND },
#endif
#ifdef IP_TRANSPARENT
  { "IP_TRANSPARENT", IP_TRANSPARENT },
#endif
#ifdef IP_RECVTOS
  { "IP_RECVTOS", IP_RECVTOS },
#endif
#ifdef IP_RECVTTL
  { "IP_RECVTTL", IP_RECVTTL },
#endif
#ifdef IP_MULTICAST_IF
  { "IP_MULTICAST_IF", IP_MULTICAST_IF },
#endif
#ifdef IP_MULTICAST_TTL
  { "IP_MULTICAST_TTL", IP_MULTICAST_TTL },
#endif
#ifdef IP_MULTICAST_LOOP
  { "IP_MULTICAST_LOOP", IP_MULTICAST_LOOP },
#endif
#ifdef IP_ADD_MEMBERSHIP
  { "IP_ADD_MEMBERSHIP", IP_ADD_MEMBERSHIP },
#endif
#ifdef IP_DROP_MEMBERSHIP
  { "IP_DROP_MEMBERSHIP", IP_DROP_MEMBERSHIP },
#endif
#ifdef IP_MULTICAST_ALL
  { "IP_MULTICAST_ALL", IP_MULTICAST_ALL },
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
  { "IP_BIND_ADDRESS_NO_PORT", IP_BIND_ADDRESS_NO_PORT },
#endif

/* ipv6 options */
#ifdef IPV6_V6ONLY
  { "IPV6_V6ONLY", IPV6_V6ONLY },
#endif
#ifdef IPV6_UNICAST_HOPS
  { "IPV6_UNICAST_HOPS", IPV6_UNICAST_HOPS },
#endif
#ifdef IPV6_MULTICAST_IF
  { "IPV6_MULTICAST_IF", IPV6_MULTICAST_IF },
#endif
#ifdef IPV6_MULTICAST_HOPS
  { "IPV6_MULTICAST_HOPS", IPV6_MULTICAST_HOPS },
#endif
#ifdef IPV6_MULTICAST_LOOP
  { "IPV6_MULTICAST_LOOP", IPV6_MULTICAST_LOOP },
#endif
#ifdef IPV6_JOIN_GROUP
  { "IPV6_JOIN_GROUP", IPV6_JOIN_GROUP },
#endif
#ifdef IPV6_LEAVE_GROUP
  { "IPV6_LEAVE_GROUP", IPV6_LEAVE_GROUP },
#endif
#ifdef IPV6_ADD_MEMBERSHIP
  { "IPV6_ADD_MEMBERSHIP", IPV6_ADD_MEMBERSHIP },
#endif
#ifdef IPV6_DROP_MEMBERSHIP
  { "IPV6_DROP_MEMBERSHIP", IPV6_DROP_MEMBERSHIP },
#endif
#ifdef IPV6_RECVPKTINFO
  { "IPV6_RECVPKTINFO", IPV6_RECVPKTINFO },
#endif
#ifdef IPV6_PKTINFO
  { "IPV6_PKTINFO", IPV6_PKTINFO },
#endif
#ifdef IPV6_TCLASS
  { "IPV6_TCLASS", IPV6_TCLASS },
#endif
#ifdef IPV6_MTU
  { "IPV6_MTU", IPV6_MTU },
#endif
#ifdef IPV6_MTU_DISCOVER
  { "IPV6_MTU_DISCOVER", IPV6_MTU_DISCOVER },
#endif
#ifdef IPV6_RECVERR
  { "IPV6_RECVERR", IPV6_RECVERR },
#endif
#ifdef IPV6_HOPLIMIT
  { "IPV6_HOPLIMIT", IPV6_HOPLIMIT },
#endif
#ifdef IPV6_RECVHOPLIMIT
  { "IPV6_RECVHOPLIMIT", IPV6_RECVHOPLIMIT },
#endif

/* message flags */
#ifdef MSG_OOB
  { "MSG_OOB", MSG_OOB },
#endif
#ifdef MSG_PEEK
  { "MSG_PEEK", MSG_PEEK },
#endif
#ifdef MSG_DONTROUTE
  { "MSG_DONTROUTE", MSG_DONTROUTE },
#endif
#ifdef MSG_CTRUNC
  { "MSG_CTRUNC", MSG_CTRUNC },
#endif
#ifdef MSG_TRUNC
  { "MSG_TRUNC", MSG_TRUNC },
#endif
#ifdef MSG_DONTWAIT
  { "MSG_DONTWAIT", MSG_DONTWAIT },
#endif
#ifdef MSG_EOR
  { "MSG_EOR", MSG_EOR },
#endif
#ifdef MSG_WAITALL
  { "MSG_WAITALL", MSG_WAITALL },
#endif
#ifdef MSG_NOSIGNAL
  { "MSG_NOSIGNAL", MSG_NOSIGNAL },
#endif
#ifdef MSG_MORE
  { "MSG_MORE", MSG_MORE },
#endif
#ifdef MSG_CONFIRM
  { "MSG_CONFIRM", MSG_CONFIRM },
#endif
#ifdef MSG_ERRQUEUE
  { "MSG_ERRQUEUE", MSG_ERRQUEUE },
#endif
#ifdef MSG_WAITFORONE
  { "MSG_WAITFORONE", MSG_WAITFORONE },
#endif
#ifdef MSG_CMSG_CLOEXEC
  { "MSG_CMSG_CLOEXEC", MSG_CMSG_CLOEXEC },
#endif
#ifdef MSG_FASTOPEN
  { "MSG_FASTOPEN", MSG_FASTOPEN },
#endif
#ifdef MSG_ZEROCOPY
  { "MSG_ZEROCOPY", MSG_ZEROCOPY },
#endif

/* shutdown directions */
#ifdef SHUT_RD
  { "SHUT_RD", SHUT_RD },
#endif
#ifdef SHUT_WR
  { "SHUT_WR", SHUT_WR },
#endif
#ifdef SHUT_RDWR
  { "SHUT_RDWR", SHUT_RDWR },
#endif

/* getaddrinfo flags */
#ifdef AI_PASSIVE
  { "AI_PASSIVE", AI_PASSIVE },
#endif
#ifdef AI_CANONNAME
  { "AI_CANONNAME", AI_CANONNAME },
#endif
#ifdef AI_NUMERICHOST
  { "AI_NUMERICHOST", AI_NUMERICHOST },
#endif
#ifdef AI_NUMERICSERV
  { "AI_NUMERICSERV", AI_NUMERICSERV },
#endif
#ifdef AI_V4MAPPED
  { "AI_V4MAPPED", AI_V4MAPPED },
#endif
#ifdef AI_ALL
  { "AI_ALL", AI_ALL },
#endif
#ifdef AI_ADDRCONFIG
  { "AI_ADDRCONFIG", AI_ADDRCONFIG },
#endif

/* getnameinfo flags */
#ifdef NI_NUMERICHOST
  { "NI_NUMERICHOST", NI_NUMERICHOST },
#endif
#ifdef NI_NUMERICSERV
  { "NI_NUMERICSERV", NI_NUMERICSERV },
#endif
#ifdef NI_NOFQDN
  { "NI_NOFQDN", NI_NOFQDN },
#endif
#ifdef NI_NAMEREQD
  { "NI_NAMEREQD", NI_NAMEREQD },
#endif
#ifdef NI_DGRAM
  { "NI_DGRAM", NI_DGRAM },
#endif
#ifdef NI_MAXHOST
  { "NI_MAXHOST", NI_MAXHOST },
#endif
#ifdef NI_MAXSERV
  { "NI_MAXSERV", NI_MAXSERV },
#endif

/* resolver errors */
#ifdef EAI_ADDRFAMILY
  { "EAI_ADDRFAMILY", EAI_ADDRFAMILY },
#endif
#ifdef EAI_AGAIN
  { "EAI_AGAIN", EAI_AGAIN },
#endif
#ifdef EAI_BADFLAGS
  { "EAI_BADFLAGS", EAI_BADFLAGS },
#endif
#ifdef EAI_FAIL
  { "EAI_FAIL", EAI_FAIL },
#endif
#ifdef EAI_FAMILY
  { "EAI_FAMILY", EAI_FAMILY },
#endif
#ifdef EAI_MEMORY
  { "EAI_MEMORY", EAI_MEMORY },
#endif
#ifdef EAI_NODATA
  { "EAI_NODATA", EAI_NODATA },
#endif
#ifdef EAI_NONAME
  { "EAI_NONAME", EAI_NONAME },
#endif
#ifdef EAI_SERVICE
  { "EAI_SERVICE", EAI_SERVICE },
#endif
#ifdef EAI_SOCKTYPE
  { "EAI_SOCKTYPE", EAI_SOCKTYPE },
#endif
#ifdef EAI_SYSTEM
  { "EAI_SYSTEM", EAI_SYSTEM },
#endif
#ifdef EAI_OVERFLOW
  { "EAI_OVERFLOW", EAI_OVERFLOW },
#endif

/* ancillary data */
#ifdef SCM_RIGHTS
  { "SCM_RIGHTS", SCM_RIGHTS },
#endif
#ifdef SCM_CREDENTIALS
  { "SCM_CREDENTIALS", SCM_CREDENTIALS },
#endif

/* limits */
#ifdef SOMAXCONN
  { "SOMAXCONN", SOMAXCONN },
#endif
  { NULL, 0 }
};

/* errno values, exported too; psock.errname() looks names up here, so where
   two names share a value (EAGAIN, EWOULDBLOCK) the first one wins. */
static const psock_Name psock_errnos[] = {
#ifdef EPERM
  { "EPERM", EPERM },
#endif
#ifdef ENOENT
  { "ENOENT", ENOENT },
#endif
#ifdef ESRCH
  { "ESRCH", ESRCH },
#endif
#ifdef EINTR
  { "EINTR", EINTR },
#endif
#ifdef EIO
  { "EIO", EIO },
#endif
#ifdef ENXIO
  { "ENXIO", ENXIO },
#endif
#ifdef E2BIG
  { "E2BIG", E2BIG },
#endif
#ifdef ENOEXEC
  { "ENOEXEC", ENOEXEC },
#endif
#ifdef EBADF
  { "EBADF", EBADF },
#endif
#ifdef ECHILD
  { "ECHILD", ECHILD },
#endif
#ifdef EAGAIN
  { "EAGAIN", EAGAIN },
#endif
#ifdef EWOULDBLOCK
  { "EWOULDBLOCK", EWOULDBLOCK },
#endif
#ifdef ENOMEM
  { "ENOMEM", ENOMEM },
#endif
#ifdef EACCES
  { "EACCES", EACCES },
#endif
#ifdef EFAULT
  { "EFAULT", EFAULT },
#endif
#ifdef EBUSY
  { "EBUSY", EBUSY },
#endif
#ifdef EEXIST
  { "EEXIST", EEXIST },
#endif
#ifdef EXDEV
  { "EXDEV", EXDEV },
#endif
#ifdef ENODEV
  { "ENODEV", ENODEV },
#endif
#ifdef ENOTDIR
  { "ENOTDIR", ENOTDIR },
#endif
#ifdef EISDIR
  { "EISDIR", EISDIR },
#endif
#ifdef EINVAL
  { "EINVAL", EINVAL },
#endif
#ifdef ENFILE
  { "ENFILE", ENFILE },
#endif
#ifdef EMFILE
  { "EMFILE", EMFILE },
#endif
#ifdef ENOTTY
  { "ENOTTY", ENOTTY },
#endif
#ifdef ETXTBSY
  { "ETXTBSY", ETXTBSY },
#endif
#ifdef EFBIG
  { "EFBIG", EFBIG },
#endif
#ifdef ENOSPC
  { "ENOSPC", ENOSPC },
#endif
#ifdef ESPIPE
  { "ESPIPE", ESPIPE },
#endif
#ifdef EROFS
  { "EROFS", EROFS },
#endif
#ifdef EMLINK
  { "EMLINK", EMLINK },
#endif
#ifdef EPIPE
  { "EPIPE", EPIPE },
#endif
#ifdef EDOM
  { "EDOM", EDOM },
#endif
#ifdef ERANGE
  { "ERANGE", ERANGE },
#endif
#ifdef EDEADLK
  { "EDEADLK", EDEADLK },
#endif
#ifdef ENAMETOOLONG
  { "ENAMETOOLONG", ENAMETOOLONG },
#endif
#ifdef ENOLCK
  { "ENOLCK", ENOLCK },
#endif
#ifdef ENOSYS
  { "ENOSYS", ENOSYS },
#endif
#ifdef ENOTEMPTY
  { "ENOTEMPTY", ENOTEMPTY },
#endif
#ifdef ELOOP
  { "ELOOP", ELOOP },
#endif
#ifdef ENOMSG
  { "ENOMSG", ENOMSG },
#endif
#ifdef EIDRM
  { "EIDRM", EIDRM },
#endif
#ifdef ENOSTR
  { "ENOSTR", ENOSTR },
#endif
#ifdef ENODATA
  { "ENODATA", ENODATA },
#endif
#ifdef ETIME
  { "ETIME", ETIME },
#endif
#ifdef ENOSR
  { "ENOSR", ENOSR },
#endif
#ifdef ENOLINK
  { "ENOLINK", ENOLINK },
#endif
#ifdef EPROTO
  { "EPROTO", EPROTO },
#endif
#ifdef EBADMSG
  { "EBADMSG", EBADMSG },
#endif
#ifdef EOVERFLOW
  { "EOVERFLOW", EOVERFLOW },
#endif
#ifdef EILSEQ
  { "EILSEQ", EILSEQ },
#endif
#ifdef EUSERS
  { "EUSERS", EUSERS },
#endif
#ifdef ENOTSOCK
  { "ENOTSOCK", ENOTSOCK },
#endif
#ifdef EDESTADDRREQ
  { "EDESTADDRREQ", EDESTADDRREQ },
#endif
#ifdef EMSGSIZE
  { "EMSGSIZE", EMSGSIZE },
#endif
#ifdef EPROTOTYPE
  { "EPROTOTYPE", EPROTOTYPE },
#endif
#ifdef ENOPROTOOPT
  { "ENOPROTOOPT", ENOPROTOOPT },
#endif
#ifdef EPROTONOSUPPORT
  { "EPROTONOSUPPORT", EPROTONOSUPPORT },
#endif
#ifdef ESOCKTNOSUPPORT
  { "ESOCKTNOSUPPORT", ESOCKTNOSUPPORT },
#endif
#ifdef EOPNOTSUPP
  { "EOPNOTSUPP", EOPNOTSUPP },
#endif
#ifdef ENOTSUP
  { "ENOTSUP", ENOTSUP },
#endif
#ifdef EPFNOSUPPORT
  { "EPFNOSUPPORT", EPFNOSUPPORT },
#endif
#ifdef EAFNOSUPPORT
  { "EAFNOSUPPORT", EAFNOSUPPORT },
#endif
#ifdef EADDRINUSE
  { "EADDRINUSE", EADDRINUSE },
#endif
#ifdef EADDRNOTAVAIL
  { "EADDRNOTAVAIL", EADDRNOTAVAIL },
#endif
#ifdef ENETDOWN
  { "ENETDOWN", ENETDOWN },
#endif
#ifdef ENETUNREACH
  { "ENETUNREACH", ENETUNREACH },
#endif
#ifdef ENETRESET
  { "ENETRESET", ENETRESET },
#endif
#ifdef ECONNABORTED
  { "ECONNABORTED", ECONNABORTED },
#endif
#ifdef ECONNRESET
  { "ECONNRESET", ECONNRESET },
#endif
#ifdef ENOBUFS
  { "ENOBUFS", ENOBUFS },
#endif
#ifdef EISCONN
  { "EISCONN", EISCONN },
#endif
#ifdef ENOTCONN
  { "ENOTCONN", ENOTCONN },
#endif
#ifdef ESHUTDOWN
  { "ESHUTDOWN", ESHUTDOWN },
#endif
#ifdef ETOOMANYREFS
  { "ETOOMANYREFS", ETOOMANYREFS },
#endif
#ifdef ETIMEDOUT
  { "ETIMEDOUT", ETIMEDOUT },
#endif
#ifdef ECONNREFUSED
  { "ECONNREFUSED", ECONNREFUSED },
#endif
#ifdef EHOSTDOWN
  { "EHOSTDOWN", EHOSTDOWN },
#endif
#ifdef EHOSTUNREACH
  { "EHOSTUNREACH", EHOSTUNREACH },
#endif
#ifdef EALREADY
  { "EALREADY", EALREADY },
#endif
#ifdef EINPROGRESS
  { "EINPROGRESS", EINPROGRESS },
#endif
#ifdef ESTALE
  { "ESTALE", ESTALE },
#endif
#ifdef EDQUOT
  { "EDQUOT", EDQUOT },
#endif
#ifdef ECANCELED
  { "ECANCELED", ECANCELED },
#endif
#ifdef EOWNERDEAD
  { "EOWNERDEAD", EOWNERDEAD },
#endif
#ifdef ENOTRECOVERABLE
  { "ENOTRECOVERABLE", ENOTRECOVERABLE },
#endif
  { NULL, 0 }
};

#endif

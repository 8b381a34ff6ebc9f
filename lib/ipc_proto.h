/*
 * ipc_proto.h - every message between mailsift processes, in one place.
 *
 * All travel as ipc.h attribute packets over SOCK_SEQPACKET sockets in
 * $queue_directory/private (mode 0700, mail_owner) or, for the master,
 * the control_socket (root only).  "fd" marks a packet that carries a
 * file descriptor.  Any request may be answered status=fail reason=TEXT.
 *
 * smtpd-in -> qmgr (private/qmgr), one connection per transaction:
 *   request=new                      -> status=ok id=ID, fd: the new
 *                                       queue file (read/write, empty)
 *   request=commit                   -> status=ok reply=SMTP-REPLY
 *                                       [reply_N=SMTP-REPLY for
 *                                       recipient N when it differs]
 *   request=done                     (no answer) the client has its
 *                                       reply; qmgr may forget the file
 *   A connection closed before "done" means the client may not have
 *   seen the reply: qmgr keeps a delivered message's fingerprint for
 *   duplicate_window so that the client's retry is not delivered twice.
 *
 * qmgr -> reinject (private/reinject), one connection per delivery:
 *   request=deliver id=ID rcpts=N,N,..., fd: the queue file
 *                                    -> status=ok mta=NEXTHOP
 *                                       reply_N=SMTP-REPLY for each N
 *                                       (over 253 recipients: reply=
 *                                       SMTP-REPLY for all, reply_N
 *                                       only where it differs)
 *   reinject sets the file's state to U (outcome unknown) just before
 *   the final dot, and does not send the dot if qmgr has hung up.
 *   Just before the dot it sends status=sending accepted=N,N lmtp=0|1
 *   with fd: its connection to the next hop.  If reinject then dies
 *   without answering, qmgr reads the next hop's answer itself, so the
 *   outcome is never lost with it.
 *
 * scanner -> any client of private/scanner, first: status=hello (a
 *   scanner accepted the connection; qmgr gives up on a connection not
 *   greeted within ipc_timeout: no scanner is running)
 *
 * qmgr -> scanner (private/scanner), one connection for all jobs:
 *   request=scan tag=T id=ID off=N len=N virus=0|1 banned=0|1, fd: the
 *                                    queue file (read only use)
 *                                    -> status=ok tag=T result=clean|
 *                                       virus|banned|unchecked [name=
 *                                       virus name or banned part]
 *                                       [reason=why unchecked]
 *                                    -> status=busy tag=T (queue full)
 *   Answers come in any order.  A closed connection loses nothing:
 *   qmgr asks again once, then counts the message UNCHECKED.
 *
 * mailsiftctl -> scanner (private/scanner):
 *   request=status                   -> status=ok signatures= dbversion=
 *                                       threads= busy= queued= scans=
 *                                       viruses= banned= unchecked= ...
 *   request=reload                   -> status=ok (reload in background)
 *
 * qmgr -> scorer (private/scorer), one connection per message, served
 *   by one process of the scorer pool:
 *   request=score id=ID off=N len=N from=SENDER, fd: the queue file
 *                                    -> status=ok score=S required=R
 *                                       tests=NAME=PTS,... flags=N ms=N
 *   A closed connection or no answer within score_time_limit (plus a
 *   margin): the message goes on unscored (no spam headers), logged.
 *
 * mailsiftctl -> scorer (private/scorer):
 *   request=rules                    -> text=LINE packets (active rules
 *                                       per type, disabled rules and
 *                                       why), then end=1
 *
 * mailsiftctl -> qmgr (private/qmgr):
 *   request=quarantine op=list       -> one packet per message (id=
 *                                       date= sender= rcpts= size=
 *                                       reason=), then end=1
 *   request=quarantine op=release id=ID -> status=ok reply=SMTP-REPLY
 *                                       once the next hop answered
 *   request=quarantine op=delete id=ID  -> status=ok
 *   request=stats                    -> status=ok counters...
 *   request=queue                    -> one packet per file (id= dir=
 *                                       state= sender= nrcpt= size=
 *                                       age=), then end=1
 *
 * mailsiftctl -> mailsiftd (control_socket):
 *   request=status                   -> one packet per service, then
 *                                       end=1 with the master's own data
 *   request=reload                   -> status=ok | status=fail reason=
 *   request=stop                     -> status=ok
 */
#ifndef IPC_PROTO_H
#define IPC_PROTO_H

#define IPC_QMGR_SOCKET		"private/qmgr"
#define IPC_REINJECT_SOCKET	"private/reinject"
#define IPC_SCANNER_SOCKET	"private/scanner"
#define IPC_SCORER_SOCKET	"private/scorer"

#endif

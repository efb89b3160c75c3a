"""SIP torture for Asterisk: RFC 4475's torture messages and seeded malformed requests,
sent over UDP on loopback, bounded in count and time.

The RFC 4475 messages are the RFC's, adapted to our addresses: requests go to
Asterisk's SIP address, the topmost Via names the sending socket (with ``rport``) so
that every answer comes back to it, SDP connection lines name the sender's loopback
address (Asterisk never sends media off this machine), and Content-Length is
recomputed where the adapted body changed length, except where a wrong length is the
point of the message (``clerr``, ``ncl``, ``mcl01``). User parts, header oddities,
escapes and non-ASCII text are the RFC's. The messages are data: nothing interprets
them here.

:func:`malformed` derives requests from valid ones with seeded mutations (truncation,
junk bytes, bit flips, huge or repeated headers, broken counts, bare line feeds,
random datagrams…), so that a failure can be replayed from its seed and index.

:func:`send` sends datagrams from one address and, every ``probe_every`` of them, an
OPTIONS that must be answered: it shows Asterisk alive all along, and keeps the sender
from running ahead of what Asterisk takes. Everything is bounded by ``deadline_s``.

:func:`odd_callers` places a few real calls to the city number whose caller ids are
torture (quotes, escaped NULs, kilobytes of name, right-to-left text): those reach the
call controller through ARI, where malformed requests never get.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.support.sip_raw import Dialog, SipTimeout, SipUdp, parse_response

CRLF = "\r\n"
# placeholders in the message texts (characters no message here contains)
HOST, PORT, ME, IP, CL, BIN = "«HOST»", "«PORT»", "«ME»", "«IP»", "«CL»", "«BIN»"

_SDP = CRLF.join(
    [
        "v=0",
        f"o=mhandley 29739 7272939 IN IP4 {IP}",
        "s=-",
        f"c=IN IP4 {IP}",
        "t=0 0",
        "m=audio 49217 RTP/AVP 0 12",
        "m=video 3227 RTP/AVP 31",
        "a=rtpmap:31 LPC",
        "",
    ]
)


def _msg(*lines: str, body: str = "") -> str:
    """Header lines, the empty line, the body."""
    return CRLF.join(lines) + CRLF + CRLF + body


def _longreq() -> str:
    # 3.1.1.7: long values everywhere, and 34 Via header fields under 17 spellings
    spellings = ["v", "V", "Via", "ViA", "VIa", "VIA", "via", "viA", "vIa", "vIA"]
    spellings += ["V :", "v :", "V  :", "v  :", "Via :", "Via  :"]
    vias = [
        f"{spellings[n] if n < len(spellings) else 'Via'}: SIP/2.0/TCP sip{32 - n}.example.com"
        for n in range(32)
    ]
    return _msg(
        f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
        'To: "I have a user name of '
        + "extreme" * 10
        + ' proportion"<sip:user@example.com:6000;unknownparam1=very'
        + "long" * 20
        + "value;longparam"
        + "name" * 25
        + "=shortvalue;very"
        + "long" * 25
        + "ParameterNameWithNoValue>",
        "F: sip:"
        + "amazinglylongcallername" * 5
        + "@example.net;tag=12"
        + "982" * 40
        + "424;unknownheaderparam"
        + "name" * 20
        + "=unknowheaderparam"
        + "value" * 15
        + ";unknownValueless"
        + "paramname" * 10,
        "Call-ID: longreq.one" + "really" * 20 + "longcallid",
        "CSeq: 3882340 INVITE",
        "Unknown-"
        + "Long" * 20
        + "-Name: unknown-"
        + "long" * 20
        + "-value; unknown-"
        + "long" * 20
        + "-parameter-name = unknown-"
        + "long" * 20
        + "-parameter-value",
        f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK" + "long" * 50 + "branchvalue",
        *vias,
        "Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very"
        + "long" * 50
        + "branchvalue",
        "Max-Forwards: 70",
        "Contact: <sip:" + "amazinglylongcallername" * 5 + f"@{ME}>",
        "Content-Type: application/sdp",
        f"l: {CL}",
        body=_SDP,
    )


_MPART_BOUNDARY = "----590F24D439B31E08745DEF0CD9397189"
_MPART_BODY = CRLF.join(
    [
        f"--{_MPART_BOUNDARY}",
        "Content-Type: text/plain",
        "",
        "Hello Kumiko",
        "",
        f"--{_MPART_BOUNDARY}",
        "Content-Type: application/pkcs7-signature; name=smime.p7s",
        "Content-Transfer-Encoding: binary",
        "Content-Disposition: attachment; handling=required; filename=smime.p7s",
        "",
        BIN,
        f"--{_MPART_BOUNDARY}--",
        "",
    ]
)
# stands in for the RFC's DER signature: every byte value, NUL and CR/LF included
_MPART_BINARY = bytes(range(256)) + bytes(range(255, -1, -1))


# name -> (RFC 4475 section, message or messages sent in one datagram).
# 3.1.1 valid, 3.1.2 invalid (parser), 3.2 transaction layer, 3.3 application layer,
# 3.4 backward compatibility.
RFC4475: dict[str, tuple[str, tuple[str, ...]]] = {
    "wsinv": (
        "3.1.1.1",
        (
            _msg(
                f"INVITE sip:vivekg@{HOST}:{PORT};unknownparam SIP/2.0",
                "TO :",
                f" sip:vivekg@{HOST} ;   tag    = 1918181833n",
                'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
                "  ;",
                "  tag = 98asjd8",
                "MaX-fOrWaRdS: 0068",
                "Call-ID: wsinv.ndaksdj@192.0.2.1",
                f"Content-Length   : {CL}",
                "cseq: 0009",
                "  INVITE",
                "Via  : SIP  /   2.0",
                " /UDP",
                f"    {ME};rport;branch=390skdjuw",
                "s :",
                "NewFangledHeader:   newfangled value",
                " continued newfangled value",
                "UnknownHeaderWithUnusualValue: ;;,,;;,;",
                "Content-Type: application/sdp",
                "Route:",
                " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>",
                "v:  SIP  / 2.0  / TCP     spindle.example.com   ;",
                "  branch  =   z9hG4bK9ikj8  ,",
                " SIP  /    2.0   / UDP  192.168.255.111   ; branch=",
                " z9hG4bK30239",
                'm:"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam =',
                "      newvalue ;",
                "  secondparam ; q = 0.33",
                body=_SDP,
            ),
        ),
    ),
    "intmeth": (
        "3.1.1.2",
        (
            _msg(
                "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)"
                "&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
                f"@{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK-.!%66*_+`'~",
                # a backslash-escaped BEL, NUL and DEL inside a quoted display name
                'To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" '
                "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>",
                "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>"
                ";fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
                "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{",
                "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~",
                "Max-Forwards: 255",
                "extensionHeader-!.%*+_`'~:\ufeff大停電",
                "Content-Length: 0",
            ),
        ),
    ),
    "esc01": (
        "3.1.1.3",
        (
            _msg(
                f"INVITE sip:sips%3Auser%40example.com@{HOST}:{PORT} SIP/2.0",
                "To: sip:%75se%72@example.com",
                "From: <sip:I%20have%20spaces@example.net>;tag=938",
                "Max-Forwards: 87",
                "i: esc01.239409asdfakjkn23onasd0-3234",
                "CSeq: 234234 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "C: application/sdp",
                "Contact:",
                f"  <sip:cal%6Cer@{ME};%6C%72;n%61me=v%61lue%25%34%31>",
                f"Content-Length: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "escnull": (
        "3.1.1.4",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: sip:null-%00-null@example.com",
                "From: sip:null-%00-null@example.com;tag=839923423",
                "Max-Forwards: 70",
                "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd",
                "CSeq: 14398234 REGISTER",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                f"Contact: <sip:%00@{ME}>",
                f"Contact: <sip:%00%00@{ME}>",
                "L:0",
            ),
        ),
    ),
    "esc02": (
        "3.1.1.5",
        (
            _msg(
                f"RE%47IST%45R sip:{HOST}:{PORT} SIP/2.0",
                'To: "%Z%45" <sip:resource@example.com>',
                'From: "%Z%45" <sip:resource@example.com>;tag=f232jadfj23',
                "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK209%fzsnel234",
                "CSeq: 29344 RE%47IST%45R",
                "Max-Forwards: 70",
                "Contact: <sip:alias1@host1.example.com>",
                "C%6Fntact: <sip:alias2@host2.example.com>",
                "Contact: <sip:alias3@host3.example.com>",
                "l: 0",
            ),
        ),
    ),
    "lwsdisp": (
        "3.1.1.6",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: caller<sip:caller@example.com>;tag=323",
                "Max-Forwards: 70",
                "Call-ID: lwsdisp.1234abcd@funky.example.com",
                "CSeq: 60 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "l: 0",
            ),
        ),
    ),
    "longreq": ("3.1.1.7", (_longreq(),)),
    # a REGISTER, then bytes after its Content-Length in the same datagram: discarded
    "dblreq": (
        "3.1.1.8",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: sip:j.user@example.com",
                "From: sip:j.user@example.com;tag=43251j3j324",
                "Max-Forwards: 8",
                "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412",
                f"Contact: sip:j.user@{ME}",
                "CSeq: 8 REGISTER",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw23492",
                "Content-Length: 0",
            ),
            CRLF
            + _msg(
                f"INVITE sip:joe@{HOST}:{PORT} SIP/2.0",
                "t: sip:joe@example.com",
                "From: sip:caller@example.net;tag=141334",
                "Max-Forwards: 8",
                "Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw380234",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP.replace("m=video", "m =video") + CRLF,
            ),
        ),
    ),
    "semiuri": (
        "3.1.1.9",
        (
            _msg(
                f"OPTIONS sip:user;par=u%40example.net@{HOST}:{PORT} SIP/2.0",
                "To: sip:j_user@example.com",
                "From: sip:caller@example.org;tag=33242",
                "Max-Forwards: 3",
                "Call-ID: semiuri.0ha0isndaksdj",
                "CSeq: 8 OPTIONS",
                "Accept: application/sdp, application/pkcs7-mime,",
                "        multipart/mixed, multipart/signed,",
                "        message/sip, message/sipfrag",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "l: 0",
            ),
        ),
    ),
    "transports": (
        "3.1.1.10",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: <sip:caller@example.com>;tag=323",
                "Max-Forwards: 70",
                "Call-ID:  transports.kijh4akdnaqjkwendsasfdj",
                "Accept: application/sdp",
                "CSeq: 60 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf",
                "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj",
                "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en",
                "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee",
                "l: 0",
            ),
        ),
    ),
    "mpart01": (
        "3.1.1.11",
        (
            _msg(
                f"MESSAGE sip:kumiko@{HOST}:{PORT} SIP/2.0",
                "To: <sip:kumiko@example.org>",
                "From: <sip:fluffy@example.com>;tag=14c2f08e",
                "Call-ID: mpart01.d9f0a10a1@example.com",
                "CSeq: 1 MESSAGE",
                "Max-Forwards: 70",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKc9ef5",
                "Content-Type: multipart/signed;protocol="
                '"application/pkcs7-signature";micalg=sha1;'
                f'boundary="{_MPART_BOUNDARY}"',
                f"Content-Length: {CL}",
                body=_MPART_BODY,
            ),
        ),
    ),
    "unreason": (
        "3.1.1.12",
        (
            _msg(
                "SIP/2.0 200 = 2**3 * 5**2 но сто девяносто девять - простое",
                f"Via: SIP/2.0/UDP {ME};branch=z9hG4bK39234",
                "Call-ID: unreason.1234ksdfak3j2erwedfsASdf",
                "CSeq: 35 INVITE",
                "From: sip:user@example.com;tag=11141343",
                "To: sip:user@example.edu;tag=2229",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                "Contact: <sip:user@host198.example.com>",
                body=_SDP,
            ),
        ),
    ),
    "noreason": (
        "3.1.1.13",
        (
            _msg(
                "SIP/2.0 100 ",
                f"Via: SIP/2.0/UDP {ME};branch=z9hG4bK2398ndaoe",
                "Call-ID: noreason.asndj203insdf99223ndf",
                "CSeq: 35 INVITE",
                "From: <sip:user@example.com>;tag=39ansfi3",
                "To: <sip:user@example.edu>;tag=902jndnke3",
                "Content-Length: 0",
                "Contact: <sip:user@host105.example.com>",
            ),
        ),
    ),
    "badinv01": (
        "3.1.2.1",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=134161461246",
                "Max-Forwards: 7",
                "Call-ID: badinv01.0ha0isndaksdjasdf3234nas",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};;,;,,",
                'Contact: "Joe" <sip:joe@example.org>;;;;',
                f"Content-Length: {CL}",
                "Content-Type: application/sdp",
                body=_SDP,
            ),
        ),
    ),
    "clerr": (
        "3.1.2.2",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "Max-Forwards: 80",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=93942939o2",
                "Contact: <sip:caller@hungry.example.net>",
                "Call-ID: clerr.0ha0isndaksdjweiafasdk3",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK-39234-23523",
                "Content-Type: application/sdp",
                "Content-Length: 9999",
                body=_SDP,
            ),
        ),
    ),
    "ncl": (
        "3.1.2.3",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "Max-Forwards: 254",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=32394234",
                "Call-ID: ncl.0ha0isndaksdj2193423r542w35",
                "CSeq: 0 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Contact: <sip:caller@example53.example.net>",
                "Content-Type: application/sdp",
                "Content-Length: -999",
                body=_SDP,
            ),
        ),
    ),
    "scalar02": (
        "3.1.2.4",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK342sdfoi3",
                "To: <sip:user@example.com>",
                "From: <sip:user@example.com>;tag=239232jh3",
                "CSeq: 36893488147419103232 REGISTER",
                "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32",
                "Max-Forwards: 300",
                "Expires: 1" + "0" * 100,
                f"Contact: <sip:user@{ME}>",
                "  ;expires=280297596632815",
                "Content-Length: 0",
            ),
        ),
    ),
    "scalarlg": (
        "3.1.2.5",
        (
            _msg(
                "SIP/2.0 503 Service Unavailable",
                f"Via: SIP/2.0/UDP {ME};branch=z9hG4bKzzxdiwo34sw;received=192.0.2.129",
                "To: <sip:user@example.com>",
                "From: <sip:other@example.net>;tag=2easdjfejw",
                "CSeq: 9292394834772304023312 OPTIONS",
                "Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r",
                "Retry-After: 949302838503028349304023988",
                'Warning: 1812 overture "In Progress"',
                "Content-Length: 0",
            ),
        ),
    ),
    "quotbal": (
        "3.1.2.6",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                'To: "Mr. J. User <sip:j.user@example.com>',
                "From: sip:caller@example.net;tag=93334",
                "Max-Forwards: 10",
                "Call-ID: quotbal.aksdj",
                "Contact: <sip:caller@host59.example.net>",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw39234",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "ltgtruri": (
        "3.1.2.7",
        (
            _msg(
                f"INVITE <sip:user@{HOST}:{PORT}> SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=39291",
                "Max-Forwards: 23",
                "Call-ID: ltgtruri.1@192.0.2.5",
                "CSeq: 1 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport",
                "Contact: <sip:caller@host5.example.net>",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP.replace("t=0 0", "t=3149328700 0"),
            ),
        ),
    ),
    "lwsruri": (
        "3.1.2.8",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT}; lr SIP/2.0",
                "To: sip:user@example.com;tag=3xfe-9921883-z9f",
                "From: sip:caller@example.net;tag=231413434",
                "Max-Forwards: 5",
                "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423",
                "CSeq: 2130706432 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw2395",
                "Contact: <sip:caller@host1.example.net>",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP.replace("t=0 0", "t=3149328700 0"),
            ),
        ),
    ),
    "lwsstart": (
        "3.1.2.9",
        (
            _msg(
                f"INVITE  sip:user@{HOST}:{PORT}  SIP/2.0",
                "Max-Forwards: 8",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=8814",
                "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com",
                "CSeq: 1893884 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw3923",
                "Contact: <sip:caller@host1.example.net>",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "trws": (
        "3.1.2.10",
        (
            _msg(
                f"OPTIONS sip:remote-target@{HOST}:{PORT} SIP/2.0  ",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK299342093",
                "To: <sip:remote-target@example.com>",
                "From: <sip:local-resource@example.com>;tag=329429089",
                "Call-ID: trws.oicu34958239neffasdhr2345r",
                "Accept: application/sdp",
                "CSeq: 238923 OPTIONS",
                "Max-Forwards: 70",
                "Content-Length: 0",
            ),
        ),
    ),
    "escruri": (
        "3.1.2.11",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT}?Route=%3Csip:example.com%3E SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=341518",
                "Max-Forwards: 7",
                "Contact: <sip:caller@host39923.example.net>",
                "Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5",
                "CSeq: 149209342 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "baddate": (
        "3.1.2.12",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=2234923",
                "Max-Forwards: 70",
                "Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234",
                "CSeq: 1392934 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Date: Fri, 01 Jan 2010 16:00:00 EST",
                "Contact: <sip:caller@host5.example.net>",
                "Content-Type: application/sdp",
                f"Content-Length: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "regbadct": (
        "3.1.2.13",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:user@example.com;tag=998332",
                "Max-Forwards: 70",
                "Call-ID: regbadct.k345asrl3fdbv@10.0.0.1",
                "CSeq: 1 REGISTER",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E",
                "l: 0",
            ),
        ),
    ),
    "badaspec": (
        "3.1.2.14",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdju43234",
                "Max-Forwards: 70",
                'From: "Bell, Alexander" <sip:a.g.bell@example.com>;tag=433423',
                'To: "Watson, Thomas" < sip:t.watson@example.org >',
                "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3",
                "Accept: application/sdp",
                "CSeq: 3923239 OPTIONS",
                "l: 0",
            ),
        ),
    ),
    # as in the RFC: no empty line after the last header field
    "baddn": (
        "3.1.2.15",
        (
            CRLF.join(
                [
                    f"OPTIONS sip:t.watson@{HOST}:{PORT} SIP/2.0",
                    f"Via:     SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                    "Max-Forwards:      70",
                    "From:    Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
                    "To:      Watson, Thomas <sip:t.watson@example.org>",
                    "Call-ID: baddn.31415@c.example.com",
                    "Accept: application/sdp",
                    "CSeq:    3923239 OPTIONS",
                    "l: 0",
                    "",
                ]
            ),
        ),
    ),
    "badvers": (
        "3.1.2.16",
        (
            _msg(
                f"OPTIONS sip:t.watson@{HOST}:{PORT} SIP/7.0",
                f"Via:     SIP/7.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Max-Forwards:     70",
                "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe",
                "To:      T. Watson <sip:t.watson@example.org>",
                "Call-ID: badvers.31417@c.example.com",
                "CSeq:    1 OPTIONS",
                "l: 0",
            ),
        ),
    ),
    "mismatch01": (
        "3.1.2.17",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=34525",
                "Max-Forwards: 6",
                "Call-ID: mismatch01.dj0234sxdfl3",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "l: 0",
            ),
        ),
    ),
    "mismatch02": (
        "3.1.2.18",
        (
            _msg(
                f"NEWMETHOD sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=34525",
                "Max-Forwards: 6",
                "Call-ID: mismatch02.dj0234sxdfl3",
                "CSeq: 8 INVITE",
                "Contact: <sip:caller@host.example.net>",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Content-Type: application/sdp",
                f"l: {CL}",
                body=CRLF.join(
                    [
                        "v=0",
                        f"o=mhandley 29739 7272939 IN IP4 {IP}",
                        f"c=IN IP4 {IP}",
                        "m=audio 49217 RTP/AVP 0 12",
                        "m=video 3227 RTP/AVP 31",
                        "a=rtpmap:31 LPC",
                        "",
                    ]
                ),
            ),
        ),
    ),
    "bigcode": (
        "3.1.2.19",
        (
            _msg(
                "SIP/2.0 4294967301 better not break the receiver",
                f"Via: SIP/2.0/UDP {ME};branch=z9hG4bK2398ndaoe",
                "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i",
                "CSeq: 353494 INVITE",
                "From: <sip:user@example.com>;tag=39ansfi3",
                "To: <sip:user@example.edu>;tag=902jndnke3",
                "Content-Length: 0",
                "Contact: <sip:user@host105.example.com>",
            ),
        ),
    ),
    "badbranch": (
        "3.2.1",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.org;tag=33242",
                "Max-Forwards: 3",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK",
                "Accept: application/sdp",
                "Call-ID: badbranch.sadonfo23i420jv0as0derf3j3n",
                "CSeq: 8 OPTIONS",
                "l: 0",
            ),
        ),
    ),
    "insuf": (
        "3.3.1",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "CSeq: 193942 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdj.insuf",
                "Content-Type: application/sdp",
                f"l: {CL}",
                body=_SDP,
            ),
        ),
    ),
    "unkscm": (
        "3.3.2",
        (
            _msg(
                "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=384",
                "Max-Forwards: 3",
                "Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34",
                "CSeq: 3923423 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw39234",
                "Content-Length: 0",
            ),
        ),
    ),
    "novelsc": (
        "3.3.3",
        (
            _msg(
                f"OPTIONS soap.beep://{HOST}:3002 SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=384",
                "Max-Forwards: 3",
                "Call-ID: novelsc.asdfasser0q239nwsdfasdkl34",
                "CSeq: 3923423 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw39234",
                "Content-Length: 0",
            ),
        ),
    ),
    "unksm2": (
        "3.3.4",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: isbn:2983792873",
                "From: <http://www.example.com>;tag=3234233",
                "Call-ID: unksm2.daksdj@hyphenated-host.example.com",
                "CSeq: 234902 REGISTER",
                "Max-Forwards: 70",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Contact: <name:John_Smith>",
                "l: 0",
            ),
        ),
    ),
    "bext01": (
        "3.3.5",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:j_user@example.com",
                "From: sip:caller@example.net;tag=242etr",
                "Max-Forwards: 6",
                "Call-ID: bext01.0ha0isndaksdj",
                "Require: nothingSupportsThis, nothingSupportsThisEither",
                "Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis",
                "CSeq: 8 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Content-Length: 0",
            ),
        ),
    ),
    "invut": (
        "3.3.6",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "Contact: <sip:caller@host5.example.net>",
                "To: sip:j.user@example.com",
                "From: sip:caller@example.net;tag=8392034",
                "Max-Forwards: 70",
                "Call-ID: invut.0ha0isndaksdjadsfij34n23d",
                "CSeq: 235448 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Content-Type: application/unknownformat",
                f"Content-Length: {CL}",
                body=CRLF.join(["<audio>", ' <pcmu port="443"/>', "</audio>", ""]),
            ),
        ),
    ),
    "regaut01": (
        "3.3.7",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: sip:j.user@example.com",
                "From: sip:j.user@example.com;tag=87321hj23128",
                "Max-Forwards: 8",
                "Call-ID: regaut01.0ha0isndaksdj",
                "CSeq: 9338 REGISTER",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Authorization: NoOneKnowsThisScheme opaque-data=here",
                "Content-Length:0",
            ),
        ),
    ),
    "multi01": (
        "3.3.8",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "Contact: <sip:caller@host25.example.net>",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Max-Forwards: 70",
                "CSeq: 5 INVITE",
                "Call-ID: multi01.98asdh@192.0.2.1",
                "CSeq: 59 INVITE",
                "Call-ID: multi01.98asdh@192.0.2.2",
                "From: sip:caller@example.com;tag=3413415",
                "To: sip:user@example.com",
                "To: sip:other@example.net",
                "From: sip:caller@example.net;tag=2923420123",
                "Content-Type: application/sdp",
                f"l: {CL}",
                "Contact: <sip:caller@host36.example.net>",
                "Max-Forwards: 5",
                body=_SDP + CRLF,
            ),
        ),
    ),
    "mcl01": (
        "3.3.9",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bK293423",
                "To: sip:user@example.com",
                "From: sip:other@example.net;tag=3923942",
                "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf",
                "CSeq: 15932 OPTIONS",
                "Content-Length: 13",
                "Max-Forwards: 60",
                "Content-Length: 5",
                "Content-Type: text/plain",
                body="There's no way to know how many octets are supposed to be here."
                + CRLF
                + CRLF,
            ),
        ),
    ),
    "bcast": (
        "3.3.10",
        (
            _msg(
                "SIP/2.0 200 OK",
                f"Via: SIP/2.0/UDP {ME};branch=z9hG4bK1324923",
                "Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23",
                "Call-ID: bcast.0384840201234ksdfak3j2erwedfsASdf",
                "CSeq: 35 INVITE",
                "From: sip:user@example.com;tag=11141343",
                "To: sip:user@example.edu;tag=2229",
                f"Content-Length: {CL}",
                "Content-Type: application/sdp",
                "Contact: <sip:user@host28.example.com>",
                body=_SDP,
            ),
        ),
    ),
    "zeromf": (
        "3.3.11",
        (
            _msg(
                f"OPTIONS sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:caller@example.net;tag=3ghsd41",
                "Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas",
                "CSeq: 39234321 OPTIONS",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw2349i",
                "Max-Forwards: 0",
                "Content-Length: 0",
            ),
        ),
    ),
    "cparam01": (
        "3.3.12",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Max-Forwards: 70",
                "From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe",
                "To: sip:watson@example.com",
                "Call-ID: cparam01.70710@saturn.example.com",
                "CSeq: 2 REGISTER",
                "Contact: sip:+19725552222@gw1.example.net;unknownparam",
                "l: 0",
            ),
        ),
    ),
    "cparam02": (
        "3.3.13",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "Max-Forwards: 70",
                "From: sip:watson@example.com;tag=838293",
                "To: sip:watson@example.com",
                "Call-ID: cparam02.70710@saturn.example.com",
                "CSeq: 3 REGISTER",
                "Contact: <sip:+19725552222@gw1.example.net;unknownparam>",
                "l: 0",
            ),
        ),
    ),
    "regescrt": (
        "3.3.14",
        (
            _msg(
                f"REGISTER sip:{HOST}:{PORT} SIP/2.0",
                "To: sip:user@example.com",
                "From: sip:user@example.com;tag=8",
                "Max-Forwards: 70",
                "Call-ID: regescrt.k345asrl3fdbv@192.0.2.1",
                "CSeq: 14398234 REGISTER",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                "M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>",
                "L:0",
            ),
        ),
    ),
    "sdp01": (
        "3.3.15",
        (
            _msg(
                f"INVITE sip:user@{HOST}:{PORT} SIP/2.0",
                "To: sip:j_user@example.com",
                "Contact: <sip:caller@host15.example.net>",
                "From: sip:caller@example.net;tag=234",
                "Max-Forwards: 5",
                "Call-ID: sdp01.ndaksdj9342dasdd",
                "Accept: text/nobodyKnowsThis",
                "CSeq: 8 INVITE",
                f"Via: SIP/2.0/UDP {ME};rport;branch=z9hG4bKkdjuw",
                f"Content-Length: {CL}",
                "Content-Type: application/sdp",
                body=_SDP,
            ),
        ),
    ),
    # RFC 2543 syntax: no branch, no Max-Forwards, no Content-Length (UDP: the rest of
    # the datagram is the body)
    "inv2543": (
        "3.4.1",
        (
            _msg(
                f"INVITE sip:UserB@{HOST}:{PORT} SIP/2.0",
                f"Via: SIP/2.0/UDP {ME}",
                "From: <sip:+13035551111@ift.client.example.net;user=phone>",
                "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>",
                "To: sip:+16505552222@ss1.example.net;user=phone",
                "Call-ID: inv2543.1717@ift.client.example.com",
                "CSeq: 56 INVITE",
                "Content-Type: application/sdp",
                body=CRLF.join(
                    [
                        "v=0",
                        f"o=mhandley 29739 7272939 IN IP4 {IP}",
                        "s=-",
                        f"c=IN IP4 {IP}",
                        "t=0 0",
                        "m=audio 49217 RTP/AVP 0",
                        "",
                    ]
                ),
            ),
        ),
    ),
}


@dataclass(frozen=True)
class Addresses:
    """Where the messages go (Asterisk) and where they come from (our socket)."""

    host: str
    port: int
    source_ip: str
    source_port: int


def _render(text: str, to: Addresses) -> bytes:
    text = (
        text.replace(HOST, to.host)
        .replace(PORT, str(to.port))
        .replace(ME, f"{to.source_ip}:{to.source_port}")
        .replace(IP, to.source_ip)
    )
    head, sep, body = text.partition(CRLF + CRLF)
    body_bytes = body.encode().replace(BIN.encode(), _MPART_BINARY)
    head = head.replace(CL, str(len(body_bytes)))
    return head.encode() + sep.encode() + body_bytes


def rfc4475(to: Addresses) -> list[tuple[str, bytes]]:
    """The RFC 4475 messages for ``to``, one datagram each: ``(name, datagram)``."""
    return [
        (name, b"".join(_render(part, to) for part in parts))
        for name, (_, parts) in RFC4475.items()
    ]


# --- malformed requests ---------------------------------------------------------------

_METHODS: tuple[str, ...] = (
    "INVITE",
    "OPTIONS",
    "REGISTER",
    "BYE",
    "CANCEL",
    "ACK",
    "SUBSCRIBE",
    "NOTIFY",
)
_METHODS += ("INFO", "MESSAGE", "REFER", "PUBLISH", "UPDATE", "PRACK")
# users no dialplan context has: a request that parses ends in a 404 or a challenge,
# never in a call (thousands of calls would test the voicebot, not the SIP stack)
_USERS = ("torture", "nobody", "x", "%00", "a" * 300, "+", "*#", "user;param=1")


def _valid(rng: random.Random, to: Addresses) -> str:
    method = rng.choice(_METHODS)
    user = rng.choice(_USERS)
    me = f"{to.source_ip}:{to.source_port}"
    body = ""
    extra: list[str] = []
    if method in ("INVITE", "UPDATE") or (method == "ACK" and rng.random() < 0.3):
        body = _SDP.replace(IP, to.source_ip)
        extra.append("Content-Type: application/sdp")
    elif method in ("MESSAGE", "INFO", "PUBLISH", "NOTIFY"):
        body = "torture " * rng.randint(0, 20)
        extra.append("Content-Type: text/plain")
    if method == "REFER":
        extra.append(f"Refer-To: <sip:{rng.choice(_USERS)}@{to.host}>")
    if method in ("SUBSCRIBE", "PUBLISH", "NOTIFY"):
        extra.append(f"Event: {rng.choice(['presence', 'message-summary', 'dialog', 'x'])}")
    return _msg(
        f"{method} sip:{user}@{to.host}:{to.port} SIP/2.0",
        f"Via: SIP/2.0/UDP {me};rport;branch=z9hG4bK{secrets.token_hex(6)}",
        "Max-Forwards: 70",
        f"From: <sip:torture@{to.source_ip}>;tag={secrets.token_hex(4)}",
        f"To: <sip:{user}@{to.host}>",
        f"Call-ID: torture-{secrets.token_hex(8)}",
        f"CSeq: {rng.randint(1, 9999)} {method}",
        f"Contact: <sip:torture@{me}>",
        *extra,
        f"Content-Length: {len(body.encode())}",
        body=body,
    )


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\r\n")


def _mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One mutation of ``data``: ``(its name, the result)``."""
    kind = rng.choice(_MUTATIONS)
    if kind == "truncate":
        return kind, data[: rng.randint(0, max(0, len(data) - 1))]
    if kind == "junk":
        out = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            at = rng.randint(0, len(out))
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        return kind, bytes(out)
    if kind == "bitflip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            if out:
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return kind, bytes(out)
    if kind == "drop_line":
        lines = _lines(data)
        if len(lines) > 1:
            del lines[rng.randrange(len(lines))]
        return kind, b"\r\n".join(lines)
    if kind == "repeat_header":
        lines = _lines(data)
        at = rng.randint(1, max(1, min(len(lines) - 1, 10)))
        lines[at:at] = [lines[min(at, len(lines) - 1)]] * rng.randint(2, 200)
        return kind, b"\r\n".join(lines)
    if kind == "huge_header":
        lines = _lines(data)
        size = rng.choice([1024, 8 * 1024, 30 * 1024, 60 * 1024])
        name = rng.choice([b"X-Torture", b"Via", b"From", b"To", b"Contact", b"Call-ID"])
        lines.insert(1, name + b": " + rng.choice([b"a", b";", b"<", b"%", b" "]) * size)
        return kind, b"\r\n".join(lines)
    if kind == "content_length":
        value = rng.choice([b"-1", b"99999999999999999999", b"abc", b"", b"1e3", b"-0", b"65536"])
        return kind, _set_header(data, b"Content-Length", value)
    if kind == "cseq":
        value = rng.choice([b"", b"-5 INVITE", b"99999999999999999999 INVITE", b"1", b"x OPTIONS"])
        return kind, _set_header(data, b"CSeq", value)
    if kind == "call_id":
        return kind, _set_header(data, b"Call-ID", rng.choice([b"", b"@", b"x" * 4000]))
    if kind == "line_ends":
        return kind, data.replace(b"\r\n", rng.choice([b"\n", b"\r", b"\r\r\n", b"\n\r"]))
    if kind == "request_line":
        lines = _lines(data)
        lines[0] = rng.choice(
            [
                b"INVITE",
                b"INVITE sip: SIP/2.0",
                b" INVITE sip:x@127.0.0.1 SIP/2.0",
                b"INVITE sip:x@127.0.0.1 SIP/99999999999999999999.0",
                b"INVITE sip:x@127.0.0.1 HTTP/1.1",
                b"GET / HTTP/1.1",
                b"INVITE sips:x@[::1 SIP/2.0",
                b"INVITE sip:x@" + b"9" * 5000 + b" SIP/2.0",
                b"INVITE sip:%%%%%@127.0.0.1 SIP/2.0",
                b"INV\x00ITE sip:x@127.0.0.1 SIP/2.0",
                b"SIP/2.0 200 OK",
                b"SIP/2.0 99999 Huge",
                rng.randbytes(rng.randint(1, 200)),
            ]
        )
        return kind, b"\r\n".join(lines)
    if kind == "many_vias":
        lines = _lines(data)
        lines[1:1] = [
            b"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%d" % (n, n)
            for n in range(rng.randint(50, 400))
        ]
        return kind, b"\r\n".join(lines)
    if kind == "bad_sdp":
        head, _, _ = data.partition(b"\r\n\r\n")
        body = rng.choice(
            [
                b"v=0\r\n" + b"m=audio 1 RTP/AVP 0\r\n" * rng.randint(10, 500),
                b"v=0\r\nc=IN IP4 999.999.999.999\r\nm=audio 70000 RTP/AVP 300\r\n",
                b"v=0\r\nc=IN IP6 ::ffff\r\nm=audio -1 RTP/AVP\r\na=rtpmap:\r\n",
                b"v=0\r\no=\r\ns=\r\nc=\r\nt=\r\nm=\r\na=\r\n",
                b"v=0\r\nm=audio 4000 RTP/AVP " + b" ".join(b"%d" % n for n in range(128)),
                b"a=" + b"x" * 20000,
                rng.randbytes(rng.randint(1, 3000)),
            ]
        )
        head = _set_header(head, b"Content-Type", b"application/sdp")
        return kind, _set_header(head, b"Content-Length", b"%d" % len(body)) + b"\r\n\r\n" + body
    if kind == "nul":
        out = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            out.insert(rng.randint(0, len(out)), 0)
        return kind, bytes(out)
    if kind == "fold":
        return kind, data.replace(b": ", b":\r\n " * rng.randint(1, 3), rng.randint(1, 10))
    if kind == "bad_utf8":
        return kind, data.replace(
            b"<sip:torture", b'"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc" <sip:torture', 1
        )
    if kind == "random":
        return kind, rng.randbytes(rng.randint(1, 2000))
    if kind == "empty":
        return kind, rng.choice([b"", b"\r\n", b"\r\n\r\n", b"\x00", b" "])
    # oversize: as large as a UDP datagram gets
    return kind, data + b"X-Pad: " + b"p" * (65000 - len(data))


_MUTATIONS = (
    "truncate",
    "junk",
    "bitflip",
    "drop_line",
    "repeat_header",
    "huge_header",
    "content_length",
    "cseq",
    "call_id",
    "line_ends",
    "request_line",
    "many_vias",
    "bad_sdp",
    "nul",
    "fold",
    "bad_utf8",
    "random",
    "empty",
    "oversize",
)
MAX_DATAGRAM = 65000  # UDP over IPv4 carries 65507 bytes at most


def _set_header(data: bytes, name: bytes, value: bytes) -> bytes:
    lines = _lines(data)
    for index, line in enumerate(lines):
        if line.lower().startswith(name.lower() + b":"):
            lines[index] = name + b": " + value
            return b"\r\n".join(lines)
    lines.insert(1, name + b": " + value)
    return b"\r\n".join(lines)


def malformed(seed: int, count: int, to: Addresses) -> list[tuple[str, bytes]]:
    """``count`` requests, each a valid one with 1-3 seeded mutations:
    ``(mutation names, datagram)``."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        data = _valid(rng, to).encode()
        names = []
        for _ in range(rng.randint(1, 3)):
            name, data = _mutate(rng, data)
            names.append(name)
        out.append(("+".join(names), data[:MAX_DATAGRAM]))
    return out


# --- sending ---------------------------------------------------------------------------


@dataclass
class TortureReport:
    source_ip: str
    sent: int = 0
    bytes_sent: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    probes: int = 0
    probes_unanswered: int = 0
    responses: Counter[str] = field(default_factory=Counter)  # "4xx" -> count
    seconds: float = 0.0
    stopped_early: bool = False  # the deadline came first

    def as_json(self) -> dict[str, object]:
        return {
            "source_ip": self.source_ip,
            "sent": self.sent,
            "bytes_sent": self.bytes_sent,
            "by_kind": dict(self.by_kind),
            "probes": self.probes,
            "probes_unanswered": self.probes_unanswered,
            "responses": dict(self.responses),
            "seconds": round(self.seconds, 2),
            "stopped_early": self.stopped_early,
        }


async def send(
    sip: SipUdp,
    messages: list[tuple[str, bytes]],
    *,
    probe_every: int = 50,
    probe_timeout_s: float = 10.0,
    deadline_s: float = 120.0,
) -> TortureReport:
    """Send ``messages`` from ``sip``'s socket; after every ``probe_every`` of them (and
    at the end) an OPTIONS to Asterisk itself, which must be answered within
    ``probe_timeout_s``. Stops at ``deadline_s``. The answers are counted by class."""
    report = TortureReport(sip.source_ip)
    started = time.monotonic()
    start_index = len(sip.received)
    for index, (kind, data) in enumerate(messages, 1):
        if time.monotonic() - started > deadline_s:
            report.stopped_early = True
            break
        sip.send(data)
        report.sent += 1
        report.bytes_sent += len(data)
        report.by_kind[kind.split("+", 1)[0]] += 1
        if index % probe_every == 0 or index == len(messages):
            report.probes += 1
            probe = sip.options(user="", from_user="probe")
            try:
                await sip.request(probe, probe_timeout_s)
            except SipTimeout:
                report.probes_unanswered += 1
    report.seconds = time.monotonic() - started
    for data in sip.received[start_index:]:
        reply = parse_response(data)
        report.responses["other" if reply is None else f"{reply.status // 100}xx"] += 1
    return report


# --- odd callers: torture that reaches the call controller ---------------------------

# From header fields for calls to the city number from the trunk: each becomes the
# caller id Asterisk hands to the controller over ARI (name and number). Fake numbers.
ODD_CALLERS = (
    '"J Rosenberg \\\\\\"" <sip:0100000001@{ip}>',
    '"работающий 大停電 \u202eevil" <sip:+33100000002@{ip}>',
    "<sip:null-%00-null@{ip}>",
    '"%00%0A%0D" <sip:%0A0100000003%0D@{ip}>',
    '"' + "x" * 2000 + '" <sip:' + "9" * 300 + "@{ip}>",
    "\"'; DROP TABLE cases; --\" <sip:';--@{ip}>",
    '"<script>alert(1)</script>" <sip:0100000004@{ip}>',
    '"Anonymous" <sip:anonymous@anonymous.invalid>',
)


async def odd_callers(
    sip: SipUdp, number: str, count: int | None = None, timeout_s: float = 30.0
) -> list[int]:
    """Call ``number`` once per odd caller id (the first ``count``); a call that is
    answered is hung up at once. The final status of each INVITE."""
    statuses = []
    for template in ODD_CALLERS[:count]:
        header = template.replace("{ip}", sip.source_ip)
        reply = await sip.invite(number, from_header=header, timeout=timeout_s)
        if isinstance(reply, Dialog):
            statuses.append(200)
            await sip.request(reply.bye(), timeout_s)
        else:
            statuses.append(reply.status)
    return statuses

//! nslookup and dig output, from lookups run through the search list against CoreDNS.

use std::net::Ipv4Addr;

use super::message::{rcode, rtype, Header, Message, Question, RData, Record};
use super::records::{respond, wire, CoreDns, Outcome};
use super::records_tests::cluster;
use super::resolv_conf::ResolvConf;
use super::search::candidates;
use super::{dig, nslookup};
use crate::store::Store;
use crate::time::{SimDuration, SimTime};

const DNS: Ipv4Addr = Ipv4Addr::new(10, 96, 0, 10);

/// The world outside the cluster: www.example.com has an A and an AAAA record.
fn upstream(q: &Question, id: u16) -> Message {
    let mut m = Message { header: Header { id, qr: true, rd: true, ra: true, ..Header::default() }, questions: vec![q.clone()], ..Message::default() };
    match (q.name.as_str(), q.qtype) {
        ("www.example.com.", rtype::A) => m.answers.push(Record::new(&q.name, 300, RData::A(Ipv4Addr::new(93, 184, 216, 34)))),
        ("www.example.com.", rtype::AAAA) => m.answers.push(Record::new(&q.name, 300, RData::Aaaa("2606:2800:220:1::1946".parse().unwrap()))),
        ("www.example.com.", _) => {}
        _ => m.header.rcode = rcode::NXDOMAIN,
    }
    m
}

/// One query through CoreDNS, forwarded or chased upstream as needed.
fn ask(store: &Store, q: Message) -> Message {
    match respond(store, &CoreDns::new("cluster.local"), &q) {
        Outcome::Answer(m) => m,
        Outcome::Chase { mut message, target } => {
            message.answers.extend(upstream(&Question::new(&target, q.questions[0].qtype), 0).answers);
            message
        }
        Outcome::Forward => upstream(&q.questions[0], q.header.id),
    }
}

fn pod_conf() -> ResolvConf {
    ResolvConf::parse("search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n").unwrap()
}

/// bind nslookup's queries for `name`: the search list until a non-NXDOMAIN answer, then (for
/// a successful default lookup) AAAA for the end of the CNAME chain.
fn nslookup_run(store: &Store, name: &str, qtype: Option<u16>) -> String {
    let mut responses = Vec::new();
    let reverse = name.parse::<Ipv4Addr>().ok().map(super::records::reverse_name);
    let names = match &reverse {
        Some(r) => vec![r.clone()],
        None => candidates(name, &pod_conf()),
    };
    let first = if reverse.is_some() { rtype::PTR } else { qtype.unwrap_or(rtype::A) };
    for (i, candidate) in names.iter().enumerate() {
        let reply = ask(store, Message::query(i as u16, Question::new(candidate, first)));
        let done = reply.header.rcode != rcode::NXDOMAIN;
        responses.push(reply);
        if done {
            break;
        }
    }
    let last = responses.last().unwrap().clone();
    if qtype.is_none() && first == rtype::A && last.header.rcode == rcode::NOERROR {
        let mut end = last.questions[0].name.clone();
        while let Some(RData::Cname(t)) = last.answers.iter().find(|r| r.name.eq_ignore_ascii_case(&end)).map(|r| &r.data) {
            end = t.clone();
        }
        responses.push(ask(store, Message::query(99, Question::new(&end, rtype::AAAA))));
    }
    nslookup::output(DNS, name, qtype.is_some(), &responses)
}

const SERVER: &str = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n";

#[test]
fn nslookup_outputs() {
    let s = cluster();
    let cases: Vec<(&str, Option<u16>, String)> = vec![
        ("web", None, format!("{SERVER}Name:\tweb.shop.svc.cluster.local\nAddress: 10.96.12.34\n\n")),
        ("kubernetes.default", None, format!("{SERVER}Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\n")),
        ("db", None, format!("{SERVER}Name:\tdb.shop.svc.cluster.local\nAddress: 10.244.1.7\nName:\tdb.shop.svc.cluster.local\nAddress: 10.244.2.9\n\n")),
        ("nope", None, format!("{SERVER}** server can't find nope: NXDOMAIN\n\n")),
        (
            "ext",
            None,
            format!("{SERVER}ext.shop.svc.cluster.local\tcanonical name = www.example.com.\nName:\twww.example.com\nAddress: 93.184.216.34\nName:\twww.example.com\nAddress: 2606:2800:220:1::1946\n\n"),
        ),
        (
            "_http._tcp.web.shop.svc.cluster.local",
            Some(rtype::SRV),
            format!("{SERVER}_http._tcp.web.shop.svc.cluster.local\tservice = 0 100 80 web.shop.svc.cluster.local.\n\n"),
        ),
        ("web", Some(rtype::TXT), format!("{SERVER}*** Can't find web: No answer\n\n")),
        ("10.96.12.34", None, "34.12.96.10.in-addr.arpa\tname = web.shop.svc.cluster.local.\n\n".to_string()),
        ("10.244.1.7", None, "7.1.244.10.in-addr.arpa\tname = db-0.db.shop.svc.cluster.local.\n\n".to_string()),
        // Upstream answers are not authoritative.
        ("www.example.com", None, format!("{SERVER}Non-authoritative answer:\nName:\twww.example.com\nAddress: 93.184.216.34\nName:\twww.example.com\nAddress: 2606:2800:220:1::1946\n\n")),
    ];
    for (name, qtype, expect) in cases {
        assert_eq!(nslookup_run(&s, name, qtype), expect, "nslookup {name}");
    }
}

#[test]
fn nslookup_shows_the_last_name_tried_when_a_search_name_has_no_data() {
    // The shop namespace exists: `shop.svc.cluster.local` is NODATA, which ends the search.
    let s = cluster();
    let mut responses = vec![ask(&s, Message::query(1, Question::new("shop.svc.cluster.local", rtype::A)))];
    responses.push(ask(&s, Message::query(2, Question::new("shop.svc.cluster.local", rtype::AAAA))));
    assert_eq!(nslookup::output(DNS, "shop.svc.cluster.local", false, &responses), format!("{SERVER}*** Can't find shop.svc.cluster.local: No answer\n\n"));
}

fn dig_run(store: &Store, name: &str, qtype: u16, args: &str) -> String {
    let q = dig::query(0x1234, name, qtype, [1, 2, 3, 4, 5, 6, 7, 8]);
    let reply = ask(store, q.clone());
    let bytes = wire(&reply, &q).unwrap();
    dig::output(args, DNS, &bytes, 0, SimTime(0) + SimDuration::from_secs(5)).unwrap()
}

fn dig_text(status: &str, counts: &str, question: &str, sections: &str, size: usize) -> String {
    format!(
        "\n; <<>> DiG 9.18.33-1~deb12u2-Debian <<>> {}\n;; global options: +cmd\n;; Got answer:\n\
         ;; ->>HEADER<<- opcode: QUERY, status: {status}, id: 4660\n;; flags: qr aa rd; {counts}\n\
         ;; WARNING: recursion requested but not available\n\n;; OPT PSEUDOSECTION:\n\
         ; EDNS: version: 0, flags:; udp: 1232\n; COOKIE: 0102030405060708 (echoed)\n\
         ;; QUESTION SECTION:\n{question}\n\n{sections}\
         ;; Query time: 0 msec\n;; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)\n;; WHEN: Mon Jan 01 00:00:05 UTC 2024\n\
         ;; MSG SIZE  rcvd: {size}\n\n",
        question.trim_start_matches(';').split(['\t', ' ']).next().unwrap().trim_end_matches('.')
    )
}

#[test]
fn dig_outputs() {
    let s = cluster();
    let a = dig_text(
        "NOERROR",
        "QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1",
        ";web.shop.svc.cluster.local.\tIN\tA",
        ";; ANSWER SECTION:\nweb.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34\n\n",
        109,
    );
    assert_eq!(dig_run(&s, "web.shop.svc.cluster.local", rtype::A, "web.shop.svc.cluster.local"), a);

    let soa = "cluster.local.\t\t5\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local. 1704067200 7200 1800 86400 5";
    let nx = dig_text(
        "NXDOMAIN",
        "QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 1",
        ";nope.shop.svc.cluster.local.\tIN\tA",
        &format!(";; AUTHORITY SECTION:\n{soa}\n\n"),
        12 + 33 + (15 + 10 + 22 + 26 + 20) + 23,
    );
    assert_eq!(dig_run(&s, "nope.shop.svc.cluster.local", rtype::A, "nope.shop.svc.cluster.local"), nx);

    let srv = dig_text(
        "NOERROR",
        "QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 2",
        ";_http._tcp.web.shop.svc.cluster.local. IN SRV",
        ";; ANSWER SECTION:\n_http._tcp.web.shop.svc.cluster.local. 5 IN SRV\t0 100 80 web.shop.svc.cluster.local.\n\n\
         ;; ADDITIONAL SECTION:\nweb.shop.svc.cluster.local. 5\tIN\tA\t10.96.12.34\n\n",
        12 + 43 + (39 + 10 + 6 + 28) + (28 + 10 + 4) + 23,
    );
    assert_eq!(
        dig_run(&s, "_http._tcp.web.shop.svc.cluster.local", rtype::SRV, "_http._tcp.web.shop.svc.cluster.local SRV"),
        srv.replace("<<>> _http._tcp.web.shop.svc.cluster.local\n", "<<>> _http._tcp.web.shop.svc.cluster.local SRV\n")
    );
}

#[test]
fn dig_size_is_the_bytes_received_and_when_follows_the_clock() {
    let s = cluster();
    let q = dig::query(7, "kubernetes.default.svc.cluster.local", rtype::A, [9; 8]);
    let bytes = wire(&ask(&s, q.clone()), &q).unwrap();
    let text = dig::output("kubernetes.default", DNS, &bytes, 3, SimTime(0)).unwrap();
    assert!(text.contains(&format!(";; MSG SIZE  rcvd: {}\n", bytes.len())), "{text}");
    assert!(text.contains(";; Query time: 3 msec\n"));
    assert!(text.contains("kubernetes.default.svc.cluster.local. 5 IN A\t10.96.0.1\n"), "{text}");
    let cases = [(0, "Mon Jan 01 00:00:00 UTC 2024"), (86_400 * 59 + 3_661, "Thu Feb 29 01:01:01 UTC 2024"), (86_400 * 366, "Wed Jan 01 00:00:00 UTC 2025")];
    for (secs, expect) in cases {
        assert_eq!(dig::when_text(SimTime(0) + SimDuration::from_secs(secs)), expect);
    }
    assert!(dig::output("x", DNS, &[1, 2, 3], 0, SimTime(0)).is_err());
}

#[test]
fn presentation_forms() {
    use super::text::{question_line, record_line};
    let cases = [
        (Record::new("a.example", 300, RData::Txt(vec![b"say \"hi\"".to_vec(), vec![7]])), "a.example.\t\t300\tIN\tTXT\t\"say \\\"hi\\\"\" \"\\007\""),
        (Record::new("b.example", 5, RData::Other { rtype: 99, data: vec![0x0a, 0xff] }), "b.example.\t\t5\tIN\tTYPE99\t\\# 2 0AFF"),
        (Record::new("c.example", 5, RData::Aaaa("2001:db8::1".parse().unwrap())), "c.example.\t\t5\tIN\tAAAA\t2001:db8::1"),
        (
            Record::new("a-very-long-owner-name.example.com", 86400, RData::A(Ipv4Addr::new(192, 0, 2, 1))),
            "a-very-long-owner-name.example.com. 86400 IN A\t192.0.2.1",
        ),
    ];
    for (record, expect) in cases {
        assert_eq!(record_line(&record), expect);
    }
    assert_eq!(question_line("google.com.", 1, rtype::A), ";google.com.\t\t\tIN\tA");
    assert_eq!(question_line("kubernetes.default.svc.cluster.local.", 1, rtype::A), ";kubernetes.default.svc.cluster.local. IN A");
}

#[test]
fn nslookup_prints_where_authoritative_answers_are_for_other_types() {
    let q = Question::new("example.com", rtype::SRV);
    let mut m = upstream(&Question::new("www.example.com", rtype::SRV), 1);
    m.questions = vec![q];
    m.authority.push(Record::new("example.com", 60, RData::Ns("a.iana-servers.net.".into())));
    let expect =
        format!("{SERVER}Non-authoritative answer:\n*** Can't find example.com: No answer\n\nAuthoritative answers can be found from:\nexample.com\tnameserver = a.iana-servers.net.\n\n");
    assert_eq!(nslookup::output(DNS, "example.com", true, &[m]), expect);
}

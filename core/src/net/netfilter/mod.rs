//! Netfilter: tables, chains, rules and verdicts; conntrack.

//! DNS: the pod resolver (resolv.conf, the search list and ndots) and a CoreDNS view of the store.

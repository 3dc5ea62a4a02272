//! kube-proxy: programs netfilter (iptables mode), IPVS or its own proxy from Services and EndpointSlices.

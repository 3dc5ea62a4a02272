//! NetworkPolicy: which pods a policy isolates and which traffic its rules allow.

//! The one perl program the catalog's `perl` image runs: the Job example of the Kubernetes
//! documentation, `perl -Mbignum=bpi -wle 'print bpi(2000)'`, which prints π to 2,000
//! significant digits. The digits are computed here (Machin's formula in fixed point), rounded
//! to the requested number of digits as Math::BigFloat rounds them.
//!
//! Simplifications: other perl programs exit 0 without output, and the computation takes no
//! simulated time.

/// Limbs of nine decimal digits.
const BASE: u64 = 1_000_000_000;

/// What `perl ARGS` prints, if ARGS is `-Mbignum=bpi` with an `-e`-style flag whose program is
/// `print bpi(N)`.
pub fn output(args: &[String]) -> Option<String> {
    if !args.iter().any(|a| a == "-Mbignum=bpi") {
        return None;
    }
    let i = args.iter().position(|a| a.starts_with('-') && !a.starts_with("-M") && a.contains('e'))?;
    let program: String = args.get(i + 1)?.chars().filter(|c| !c.is_whitespace()).collect();
    let n: usize = program.strip_prefix("printbpi(")?.trim_end_matches(';').strip_suffix(')')?.parse().ok()?;
    (1..=100_000).contains(&n).then(|| pi(n))
}

/// π to `digits` significant digits, rounded half up (ties cannot occur).
pub fn pi(digits: usize) -> String {
    let limbs = (digits + 20) / 9 + 2;
    let a = arctan_inv(5, limbs);
    let b = arctan_inv(239, limbs);
    // π = 16·atan(1/5) − 4·atan(1/239)
    let pi = sub(&mul(&a, 16), &mul(&b, 4));
    let mut all = pi[0].to_string();
    for limb in &pi[1..] {
        all.push_str(&format!("{limb:09}"));
    }
    let mut kept: Vec<u8> = all.bytes().take(digits).collect();
    if all.as_bytes().get(digits).is_some_and(|&d| d >= b'5') {
        let mut i = kept.len();
        while i > 0 {
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let text = String::from_utf8(kept).unwrap_or_default();
    let int_len = pi[0].to_string().len();
    if text.len() <= int_len {
        return text;
    }
    format!("{}.{}", &text[..int_len], &text[int_len..])
}

/// atan(1/x) in fixed point: limb 0 the integer part, then `limbs` fractional limbs.
fn arctan_inv(x: u64, limbs: usize) -> Vec<u64> {
    let mut one = vec![0; limbs + 1];
    one[0] = 1;
    let mut power = div(&one, x); // 1/x^(2k+1)
    let mut sum = power.clone();
    let mut k = 1u64;
    loop {
        power = div(&power, x * x);
        if power.iter().all(|&l| l == 0) {
            return sum;
        }
        let term = div(&power, 2 * k + 1);
        sum = if k % 2 == 1 { sub(&sum, &term) } else { add(&sum, &term) };
        k += 1;
    }
}

fn div(a: &[u64], d: u64) -> Vec<u64> {
    let mut rem = 0u64;
    a.iter()
        .map(|&l| {
            let cur = rem * BASE + l;
            rem = cur % d;
            cur / d
        })
        .collect()
}

fn mul(a: &[u64], m: u64) -> Vec<u64> {
    carry(a.iter().map(|&l| l * m).collect())
}

fn add(a: &[u64], b: &[u64]) -> Vec<u64> {
    carry(a.iter().zip(b).map(|(x, y)| x + y).collect())
}

/// Brings every fractional limb below `BASE`, carrying into the limb above (limb 0, the
/// integer part, keeps what reaches it).
fn carry(mut limbs: Vec<u64>) -> Vec<u64> {
    let mut up = 0;
    for i in (0..limbs.len()).rev() {
        let cur = limbs[i] + up;
        limbs[i] = if i == 0 { cur } else { cur % BASE };
        up = cur / BASE;
    }
    limbs
}

/// a − b for a ≥ b.
fn sub(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0;
    for i in (0..a.len()).rev() {
        let (x, y) = (a[i], b[i] + borrow);
        if x >= y || i == 0 {
            out[i] = x.wrapping_sub(y);
            borrow = 0;
        } else {
            out[i] = x + BASE - y;
            borrow = 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn pi_is_right_and_rounded_to_the_digits_asked() {
        assert_eq!(pi(1), "3");
        assert_eq!(pi(5), "3.1416");
        assert_eq!(pi(50), "3.1415926535897932384626433832795028841971693993751");
        // Decimal places 762–767 are the six nines of the Feynman point (string index: place
        // + 1). At 765 significant digits the rounding carries through them.
        let long = pi(770);
        assert_eq!(&long[763..769], "999999");
        assert_eq!(&long[761..763], "34");
        assert!(pi(765).ends_with("35000"), "{}", &pi(765)[750..]);
        let two_thousand = pi(2000);
        assert_eq!(two_thousand.len(), 2001);
        assert!(two_thousand.starts_with(&pi(1000)[..999]));
    }

    #[test]
    fn the_documentation_job_prints_pi_and_completes() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: pi}\nspec:\n  backoffLimit: 4\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: pi\n        image: perl:5.34.0\n        command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]\n";
        let mut sim = crate::sim::Sim::new(crate::sim::ClusterConfig::default());
        assert!(sim.apply("job.yaml", job).ok());
        sim.advance(crate::time::SimDuration::from_secs(60));
        let run = |sim: &mut crate::sim::Sim, line: &str| crate::console::run_line(sim, line, &crate::kubectl::NoFiles).stdout;
        assert_eq!(run(&mut sim, "kubectl logs job/pi"), format!("{}\n", pi(2000)));
        let jobs = run(&mut sim, "kubectl get job pi");
        assert!(jobs.lines().nth(1).is_some_and(|l| l.contains("Complete") && l.contains("1/1")), "{jobs}");
    }

    #[test]
    fn only_the_bignum_bpi_program_is_understood() {
        let p = |w: &[&str]| output(&argv(w));
        assert_eq!(p(&["-Mbignum=bpi", "-wle", "print bpi(10)"]).as_deref(), Some("3.141592654"));
        assert_eq!(p(&["-Mbignum=bpi", "-le", "print bpi( 5 );"]).as_deref(), Some("3.1416"));
        assert_eq!(p(&["-wle", "print bpi(10)"]), None);
        assert_eq!(p(&["-Mbignum=bpi", "-wle", "print 42"]), None);
    }
}

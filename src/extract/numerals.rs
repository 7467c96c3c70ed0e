//! Numerals: the characters of a written number in, its value out.
//!
//! Arabic numbers come with thousands separators and decimals (`1,094`, `95.56`); Chinese
//! numerals with 十/百/千/万/亿 and 两/〇/零 (`一百二十` → 120, `两万` → 20000, `十` → 10,
//! `三千零五` → 3005). Written-out digit strings without units (`二〇二四`) parse digit by digit.
//! Anything else (`三四十`, a stray `百百`) is refused rather than guessed.
//!
//! The `chinese-number` crate parses the same forms, but it rejects the bare `十多` prefix
//! forms and `两` in places reports use it, and it would add a dependency for forty lines.

/// Whether `c` can be part of a Chinese numeral.
#[inline(always)]
pub fn is_chinese_numeral_char(c: char) -> bool {
    // Called for every character of every report: one bit test, inlined, rejects nearly all of
    // them; the few left are looked up out of line.
    let i = c as usize % NUMERAL_FILTER_BITS;
    NUMERAL_FILTER[i / 64] & (1 << (i % 64)) != 0 && is_numeral(c)
}

#[inline(never)]
fn is_numeral(c: char) -> bool {
    digit_value(c).is_some() || power_value(c).is_some()
}

const NUMERAL_FILTER_BITS: usize = 1024;

/// Bit `c % 1024` for every Chinese numeral character `c`.
static NUMERAL_FILTER: [u64; NUMERAL_FILTER_BITS / 64] = {
    let numerals = [
        '零', '〇', '一', '壹', '二', '两', '贰', '三', '叁', '四', '肆', '五', '伍', '六', '陆',
        '七', '柒', '八', '捌', '九', '玖', '十', '拾', '百', '佰', '千', '仟', '万', '亿',
    ];
    let mut bits = [0u64; NUMERAL_FILTER_BITS / 64];
    let mut k = 0;
    while k < numerals.len() {
        let i = numerals[k] as usize % NUMERAL_FILTER_BITS;
        bits[i / 64] |= 1 << (i % 64);
        k += 1;
    }
    bits
};

/// Value of a Chinese digit character.
pub fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// Value of a Chinese power character (十, 百, 千 inside a section; 万, 亿 between sections).
pub fn power_value(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1_000,
        '万' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// Parses a whole Chinese numeral; `None` if the characters do not form one.
pub fn parse_chinese(s: &str) -> Option<f64> {
    parse_chinese_chars(&s.chars().collect::<Vec<char>>())
}

/// [`parse_chinese`] of the characters `chars`.
pub fn parse_chinese_chars(chars: &[char]) -> Option<f64> {
    if chars.is_empty() {
        return None;
    }
    // A plain run of digits (二〇二四) reads digit by digit.
    if chars.len() > 1 && chars.iter().all(|&c| digit_value(c).is_some()) {
        let mut v: u64 = 0;
        for &c in chars {
            v = v.checked_mul(10)?.checked_add(digit_value(c)?)?;
        }
        return Some(v as f64);
    }
    let mut total: u64 = 0; // completed 亿 sections
    let mut section: u64 = 0; // completed 万 part inside the current 亿 section
    let mut small: u64 = 0; // value below 万 being built
    let mut digit: Option<u64> = None;
    let mut last_small_power = u64::MAX;
    let mut last_big_power = u64::MAX;
    for &c in chars {
        if let Some(d) = digit_value(c) {
            if digit.is_some_and(|prev| prev != 0) {
                return None; // two digits in a row: 三四十 (but 一百零五 has a 零 placeholder)
            }
            digit = Some(d);
            continue;
        }
        let p = power_value(c)?;
        match p {
            10 | 100 | 1_000 => {
                if p >= last_small_power {
                    return None; // 百百, 十百
                }
                let d = match digit.take() {
                    Some(d) => d,
                    None if small == 0 => 1, // 十二, 百 (bare power)
                    None => return None,
                };
                if d == 0 {
                    return None;
                }
                small += d * p;
                last_small_power = p;
            }
            _ => {
                if p >= last_big_power && p == 10_000 && section != 0 {
                    return None;
                }
                let part = small + digit.take().unwrap_or(0);
                let part = if part == 0 { 1 } else { part };
                if p == 10_000 {
                    section += part * p;
                } else {
                    total = (total + section + part).checked_mul(p)?;
                    section = 0;
                }
                small = 0;
                last_small_power = u64::MAX;
                last_big_power = p;
            }
        }
    }
    small += digit.unwrap_or(0);
    Some((total + section + small) as f64)
}

/// Parses an Arabic number with optional `,` thousands groups and a decimal part.
pub fn parse_arabic(s: &str) -> Option<f64> {
    let cleaned: String = s.chars().filter(|&c| c != ',').collect();
    parse_cleaned(&cleaned)
}

/// [`parse_arabic`] of the characters `chars`, gathered in a buffer on the stack rather than a
/// string: it is called for every number of every report.
pub fn parse_arabic_chars(chars: &[char]) -> Option<f64> {
    let mut buf = [0u8; 40];
    let mut n = 0;
    for &c in chars.iter().filter(|&&c| c != ',') {
        if !c.is_ascii() {
            return None; // as `parse_arabic`: f64 has no other digits
        }
        if n == buf.len() {
            return parse_arabic(&chars.iter().collect::<String>());
        }
        buf[n] = c as u8;
        n += 1;
    }
    parse_cleaned(std::str::from_utf8(&buf[..n]).ok()?)
}

/// `v` rounded to 15 significant digits, as `f64` holds them exactly: what undoes the binary
/// error of scaling a decimal. `2.3` × 10⁸ is 229999999.99999997 in `f64`, but `2.3亿` is
/// 230000000, and a written number has far fewer than 15 digits.
pub fn to_decimal_digits(v: f64) -> f64 {
    /// The powers of ten that `f64` holds exactly.
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    // Scaled to 15 digits before the point, rounded, and scaled back by one correctly rounded
    // division: the `f64` nearest the 15-digit decimal.
    let shift = 14 - v.abs().log10().floor() as i32;
    match usize::try_from(shift).ok().and_then(|s| POW10.get(s)) {
        Some(&p) => (v * p).round() / p,
        None => v,
    }
}

fn parse_cleaned(cleaned: &str) -> Option<f64> {
    if !cleaned.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numeral_filter_lets_every_numeral_through() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let numeral = digit_value(c).is_some() || power_value(c).is_some();
            assert_eq!(is_chinese_numeral_char(c), numeral, "{c}");
        }
    }

    #[test]
    fn chinese_numerals_parse() {
        let cases = [
            ("一", 1.0),
            ("两", 2.0),
            ("三", 3.0),
            ("十", 10.0),
            ("十二", 12.0),
            ("二十", 20.0),
            ("一百二十", 120.0),
            ("一百零五", 105.0),
            ("三千零五", 3005.0),
            ("两万", 20000.0),
            ("一万二千", 12000.0),
            ("三千万", 30_000_000.0),
            ("五十", 50.0),
            ("千", 1000.0),
            ("百", 100.0),
            ("一亿二千万", 120_000_000.0),
            ("二〇二四", 2024.0),
            ("十一", 11.0),
        ];
        for (s, want) in cases {
            assert_eq!(parse_chinese(s), Some(want), "{s}");
        }
    }

    #[test]
    fn malformed_chinese_numerals_are_refused() {
        for s in ["", "三四十", "百百", "十百", "零十"] {
            assert_eq!(parse_chinese(s), None, "{s}");
        }
    }

    #[test]
    fn scaled_decimals_keep_their_digits() {
        assert_eq!(2.3 * 1e8, 229_999_999.999_999_97, "the error this undoes");
        let cases = [
            (2.3 * 1e8, 230_000_000.0),
            (1.15 * 1e4, 11_500.0),
            (12.8 * 1e4, 128_000.0),
            (0.35 * 1e4, 3_500.0),
            (9.0 * 10.0, 90.0),
            (1234.56 * 1e4, 12_345_600.0),
            (0.07, 0.07),
            (3.0, 3.0),
            (0.0, 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(to_decimal_digits(v), want, "{v}");
        }
        // Beyond what 15 digits before the point can shift: kept as it is.
        assert_eq!(to_decimal_digits(1e300), 1e300);
    }

    #[test]
    fn arabic_numbers_parse() {
        assert_eq!(parse_arabic("1,094"), Some(1094.0));
        let long = format!("3.{}", "1".repeat(60));
        let chars = |s: &str| s.chars().collect::<Vec<char>>();
        assert_eq!(parse_arabic_chars(&chars(&long)), parse_arabic(&long));
        assert_eq!(parse_arabic_chars(&chars("1,094.5")), Some(1094.5));
        assert_eq!(parse_arabic_chars(&chars("")), None);
        assert_eq!(parse_arabic("95.56"), Some(95.56));
        assert_eq!(parse_arabic("0.5"), Some(0.5));
        assert_eq!(parse_arabic("12"), Some(12.0));
        assert_eq!(parse_arabic("abc"), None);
        assert_eq!(parse_arabic(&"9".repeat(400)), None);
    }
}

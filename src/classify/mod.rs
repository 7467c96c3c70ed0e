//! Classify: mentions and their sentences in, at most one catalogue indicator per mention out
//! (EXTRACTION.md §3).
//!
//! Every `[[indicator]]` in `pipeline.toml` lists its units, its signal words, weak signals,
//! words that exclude it and, optionally, context words its sentence must contain and signals
//! that count only beside a `when` word in the clause (a lecture for cadres is training). For
//! each mention the signals in its clause are scored: longer is more specific, nearer is better,
//! a signal before the number counts a little more than one just after the measure word. In a
//! list (`规范性文件9件、合同协议214件`) a signal describes the number of its own item, but the
//! old and the new value of one quantity (`持证率由85%提高到100%`) share their signal. The best
//! indicator whose units admit the mention's unit wins; weak signals (`活动`) only count when no
//! indicator has a real one. Two rules of report Chinese follow: a clause opening with
//! `共计/累计/合计` and no signal of its own sums up the mention before it and inherits its
//! indicator; and after `其中` the parts of a total (the last number before it in the part's
//! unit) that would get the total's own indicator get none (letters and visits inside all
//! petitions), nor one the total's clause rules out (讨薪案件 inside 法律援助案件), while parts
//! with an entry of their own keep it (penalty cases inside all enforcement cases). A clause with
//! no signal at all takes one from a short topic label before it (`信访方面,全年受理86件`,
//! `执法检查:全年…`).

use compact_str::{format_compact, CompactString};
use rustc_hash::FxHashSet;

use crate::extract::Mention;
use crate::structure::{Layout, Span, StructureRules};
use crate::text::dict::Dictionary;
use crate::text::{ends, is_han, starts, TextIndex};

/// One catalogue entry, compiled.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub category: String,
    pub units: FxHashSet<String>,
    pub signals: Vec<String>,
    pub weak: Vec<String>,
    pub exclude: Vec<String>,
    pub context: Vec<String>,
    /// Signals that count only where the number's clause also holds one of `when` (a lecture
    /// for cadres is a training session).
    pub signals_when: Vec<String>,
    pub when: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Signal,
    Weak,
    Exclude,
    Context,
    SignalWhen,
    When,
}

/// The indicator catalogue with one dictionary of all its words.
pub struct Catalogue {
    pub indicators: Vec<Indicator>,
    /// All the words, found overlapping (see [`Catalogue::hits`]).
    dictionary: Option<Dictionary>,
    /// The dictionary's words, by id.
    words: Vec<String>,
    /// For each word: which indicators use it, and how.
    uses: Vec<Vec<(usize, Role)>>,
    totals: Vec<Vec<char>>,
    part_markers: Vec<Vec<char>>,
    /// The first characters of `part_markers`, each once: most characters of a sentence are
    /// none of them.
    part_marker_firsts: Vec<char>,
    /// Units that count the noun written after them (`4个部门`), from `[classify]`.
    noun_after_units: Vec<String>,
    /// Endings of a clause that names the topic of the next (`信访方面,全年受理86件`).
    topic_endings: Vec<Vec<char>>,
    /// What separates the items of a list within a clause (`、`).
    list_separators: Vec<char>,
    /// What joins the two values of one quantity before and after a change (`由85%提高到100%`).
    change_links: Vec<Vec<char>>,
}

/// The words of `[classify]`: how sentences tie numbers to signals, beside the catalogue.
#[derive(Debug)]
pub struct ClassifyWords {
    /// Open a summing clause: `共计`.
    pub totals: Vec<String>,
    /// Start the parts of a total: `其中`.
    pub part_markers: Vec<String>,
    /// Classifiers that count the noun written after them: `4个部门`.
    pub noun_after_units: Vec<String>,
    /// End a clause that names the topic of the next: `信访方面`.
    pub topic_endings: Vec<String>,
    /// Separate the items of a list within a clause: `、`.
    pub list_separators: Vec<char>,
    /// Join the old and the new value of one quantity: `提高到`.
    pub change_links: Vec<String>,
}

/// The indicator chosen for a mention and the rule that chose it (for `fazhi explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub indicator: Option<usize>,
    pub rule: CompactString,
}

impl Verdict {
    fn none(rule: impl Into<CompactString>) -> Verdict {
        Verdict {
            indicator: None,
            rule: rule.into(),
        }
    }
}

/// A word of the catalogue found in the body.
#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    pattern: usize,
}

/// The best signal per indicator and what rules indicators out, for one mention at a time;
/// allocated once per document.
struct Scores {
    strong: Vec<Option<(i64, usize)>>,
    weak: Vec<Option<(i64, usize)>>,
    /// The best of the `signals_when`, which count as strong signals when the clause holds a
    /// `when` word (`when_met`).
    conditional: Vec<Option<(i64, usize)>>,
    excluded: Vec<bool>,
    has_context: Vec<bool>,
    when_met: Vec<bool>,
}

impl Scores {
    fn new(n: usize) -> Scores {
        Scores {
            strong: vec![None; n],
            weak: vec![None; n],
            conditional: vec![None; n],
            excluded: vec![false; n],
            has_context: vec![false; n],
            when_met: vec![false; n],
        }
    }

    fn clear(&mut self) {
        self.strong.fill(None);
        self.weak.fill(None);
        self.conditional.fill(None);
        self.excluded.fill(false);
        self.has_context.fill(false);
        self.when_met.fill(false);
    }
}

/// The catalogue words and the part markers (其中) of one sentence.
struct SentenceWords {
    sentence: Span,
    hits: Vec<Hit>,
    /// Where a part marker starts, in order.
    markers: Vec<usize>,
}

/// How far signal `h` stands from mention `m`, when it may describe it: before the number, or
/// within [`RIGHT_WINDOW`] characters after the measure word, and whether it is before.
/// (Whether `h` is in the mention's clause is for the caller to say.)
fn reach(h: &Hit, m: &Mention) -> Option<(usize, bool)> {
    if h.end <= m.number_start {
        Some((m.number_start - h.end, true))
    } else if h.start >= m.unit_end && h.start < m.unit_end + RIGHT_WINDOW {
        Some((h.start - m.unit_end, false))
    } else {
        None
    }
}

/// [`reach`] as a score penalty: a signal after the measure word costs [`RIGHT_PENALTY`] more.
fn distance(h: &Hit, m: &Mention) -> Option<i64> {
    reach(h, m).map(|(d, before)| {
        i64::try_from(d).unwrap_or(i64::MAX) + if before { 0 } else { RIGHT_PENALTY }
    })
}

/// The mentions of `clause`, mention `k` among them (it is never nearer to a signal than
/// itself, so it needs no skipping).
fn clause_mentions(mentions: &[Mention], k: usize, clause: Span) -> &[Mention] {
    let inside = |n: &Mention| n.number_start >= clause.start && n.unit_end <= clause.end;
    let lo = (0..k)
        .rev()
        .take_while(|&p| inside(&mentions[p]))
        .last()
        .unwrap_or(k);
    let hi = (k + 1..mentions.len())
        .take_while(|&p| inside(&mentions[p]))
        .last()
        .map_or(k + 1, |p| p + 1);
    &mentions[lo..hi]
}

/// The mention that is the total of mention `k`, when `k` stands after a 其中 in its sentence
/// (`markers`: where the sentence's part markers start): the last mention with an indicator
/// before that 其中, in `k`'s unit when there is one.
fn total_of_part(
    markers: &[usize],
    sentence: Span,
    mentions: &[Mention],
    verdicts: &[Verdict],
    k: usize,
) -> Option<usize> {
    let m = &mentions[k];
    let marker = *markers.iter().rev().find(|&&i| i < m.start)?;
    let totals = || {
        (0..k).rev().filter(move |&p| {
            mentions[p].end <= marker
                && mentions[p].start >= sentence.start
                && verdicts[p].indicator.is_some()
        })
    };
    // The total is counted in the part's unit (`罚没款563.8万元` between a total of cases and
    // its parts is none of them), when one is.
    totals()
        .find(|&p| mentions[p].unit == m.unit)
        .or_else(|| totals().next())
}

/// Characters after the measure word in which a signal still describes the number
/// (`1人顺利通过执法资格考试`, `三名律师`), also across the noun it counts and a verb
/// (`选派15名执法骨干参加市级业务培训`). Within the number's clause only.
const RIGHT_WINDOW: usize = 16;
const RIGHT_PENALTY: i64 = 3;
/// The longest topic label (`行政执法监督方面`), in characters.
const TOPIC_MAX_CHARS: usize = 12;

impl Catalogue {
    /// Builds the dictionary of the indicators' words; `words` are those of `[classify]`.
    pub fn new(indicators: Vec<Indicator>, words: ClassifyWords) -> Catalogue {
        let ClassifyWords {
            totals,
            part_markers,
            noun_after_units,
            topic_endings,
            list_separators,
            change_links,
        } = words;
        let mut words: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<(usize, Role)>> = Vec::new();
        for (i, ind) in indicators.iter().enumerate() {
            let roles = [
                (&ind.signals, Role::Signal),
                (&ind.weak, Role::Weak),
                (&ind.exclude, Role::Exclude),
                (&ind.context, Role::Context),
                (&ind.signals_when, Role::SignalWhen),
                (&ind.when, Role::When),
            ];
            for (list, role) in roles {
                for w in list {
                    let k = match words.iter().position(|x| x == w) {
                        Some(k) => k,
                        None => {
                            words.push(w.clone());
                            uses.push(Vec::new());
                            words.len() - 1
                        }
                    };
                    uses[k].push((i, role));
                }
            }
        }
        // Words over `MAX_WORD_CHARS` are refused when the config is read.
        let dictionary = (!words.is_empty())
            .then(|| Dictionary::new(&words).ok())
            .flatten();
        Catalogue {
            indicators,
            dictionary,
            words,
            uses,
            totals: totals.iter().map(|w| w.chars().collect()).collect(),
            part_marker_firsts: {
                let mut firsts: Vec<char> = part_markers
                    .iter()
                    .filter_map(|w| w.chars().next())
                    .collect();
                firsts.sort_unstable();
                firsts.dedup();
                firsts
            },
            part_markers: part_markers.iter().map(|w| w.chars().collect()).collect(),
            noun_after_units,
            topic_endings: topic_endings.iter().map(|w| w.chars().collect()).collect(),
            list_separators,
            change_links: change_links.iter().map(|w| w.chars().collect()).collect(),
        }
    }

    /// One verdict per mention, in order.
    pub fn classify(
        &self,
        text: &TextIndex,
        layout: &Layout,
        rules: &StructureRules,
        mentions: &[Mention],
    ) -> Vec<Verdict> {
        let chars = &text.chars;
        let mut words: Option<SentenceWords> = None; // of the last sentence asked for
        let mut scores = Scores::new(self.indicators.len());
        let mut verdicts: Vec<Verdict> = Vec::with_capacity(mentions.len());
        for (k, m) in mentions.iter().enumerate() {
            let Some(sentence) = layout.sentence_at(m.number_start) else {
                verdicts.push(Verdict::none("no sentence"));
                continue;
            };
            let span = Span {
                start: m.number_start,
                end: m.unit_end,
            };
            let clause = rules.clause(chars, sentence, span);
            let words = match &mut words {
                Some(w) if w.sentence == sentence => w,
                slot => slot.insert(self.sentence_words(text, sentence)),
            };
            // `4个部门`: the classifier's own noun follows it, and the number counts that noun.
            let noun_follows = self.noun_after_units.iter().any(|u| *u == m.unit)
                && chars.get(m.unit_end).is_some_and(|&c| is_han(c));
            // The mentions of a clause compete for its signals.
            let neighbours = clause_mentions(mentions, k, clause);
            let mut verdict = self.score(
                m,
                clause,
                &words.hits,
                (chars, neighbours),
                noun_follows,
                &mut scores,
            );
            // No signal in the clause: the topic label before it may name what it counts.
            if verdict.indicator.is_none() && !noun_follows {
                let topic = self.topic_before(rules, chars, sentence, clause);
                if let Some(v) = topic.and_then(|t| {
                    self.score_with_topic(m, t, clause, chars, &words.hits, neighbours, &mut scores)
                }) {
                    verdict = v;
                }
            }
            // Same sentence, earlier mention: the one a 共计 clause sums up, or a total.
            let previous = (0..k)
                .rev()
                .find(|&p| mentions[p].number_start >= sentence.start)
                .map(|p| (p, &verdicts[p]));
            if verdict.indicator.is_none() {
                if let Some((_, prev)) = previous {
                    let opens_with_total = self.totals.iter().any(|t| {
                        starts(&chars[clause.start..], t) && clause.start + t.len() <= m.start
                    });
                    if let Some(ind) = prev.indicator.filter(|&i| {
                        opens_with_total && self.indicators[i].units.contains(m.unit.as_str())
                    }) {
                        verdict = Verdict {
                            indicator: Some(ind),
                            rule: format_compact!(
                                "sums up the number before it ({})",
                                self.indicators[ind].id
                            ),
                        };
                    }
                }
            }
            if let Some(ind) = verdict.indicator {
                if let Some(total) = total_of_part(&words.markers, sentence, mentions, &verdicts, k)
                {
                    // A part is of its total's kind: an indicator the total's clause rules out
                    // (法律援助案件 rules out enforcement_cases) is none for its parts either
                    // (讨薪案件 inside it).
                    let total_clause = rules.clause(
                        chars,
                        sentence,
                        Span {
                            start: mentions[total].number_start,
                            end: mentions[total].unit_end,
                        },
                    );
                    let subtype = words.hits.iter().any(|h| {
                        h.start >= total_clause.start
                            && h.end <= mentions[total].number_start
                            && self.uses[h.pattern].contains(&(ind, Role::Exclude))
                    });
                    if verdicts[total].indicator == Some(ind) || subtype {
                        verdict = Verdict::none(format_compact!(
                            "part of the total {} before 其中",
                            text.slice(mentions[total].start, mentions[total].end)
                        ));
                    }
                }
            }
            verdicts.push(verdict);
        }
        verdicts
    }

    /// The verdict for `m` from the catalogue words in its sentence. With `noun_follows` (the
    /// unit is a classifier whose noun is written right after it), only a signal that is that
    /// noun counts.
    fn score(
        &self,
        m: &Mention,
        clause: Span,
        hits: &[Hit],
        (chars, neighbours): (&[char], &[Mention]),
        noun_follows: bool,
        scores: &mut Scores,
    ) -> Verdict {
        let n = self.indicators.len();
        scores.clear();
        let Scores {
            strong: best_strong,
            weak: best_weak,
            conditional,
            excluded,
            has_context,
            when_met,
        } = scores;
        for h in hits {
            let in_clause = h.start >= clause.start && h.end <= clause.end;
            let distance = if noun_follows {
                (h.start == m.unit_end).then_some(0)
            } else if in_clause {
                distance(h, m)
            } else {
                None
            };
            let len = i64::try_from(h.end - h.start).unwrap_or(0);
            for &(i, role) in &self.uses[h.pattern] {
                match role {
                    Role::Context => has_context[i] = true,
                    Role::When if in_clause => when_met[i] = true,
                    Role::When => {}
                    Role::Exclude
                        if in_clause && (h.end <= m.number_start || h.start >= m.unit_end) =>
                    {
                        excluded[i] = true
                    }
                    Role::Exclude => {}
                    Role::Signal | Role::Weak | Role::SignalWhen => {
                        let Some(d) = distance else { continue };
                        // In a list (规范性文件9件、合同协议214件), a signal describes the
                        // nearest number it can count, not every number of the clause.
                        if !noun_follows && self.nearer_count(h, i, m, chars, neighbours) {
                            continue;
                        }
                        let slot = match role {
                            Role::Signal => &mut best_strong[i],
                            Role::Weak => &mut best_weak[i],
                            _ => &mut conditional[i],
                        };
                        let score = 10 * len - d;
                        if slot.is_none_or(|(s, _)| score > s) {
                            *slot = Some((score, h.pattern));
                        }
                    }
                }
            }
        }
        for i in (0..n).filter(|&i| when_met[i]) {
            if let Some((score, pattern)) = conditional[i] {
                if best_strong[i].is_none_or(|(s, _)| score > s) {
                    best_strong[i] = Some((score, pattern));
                }
            }
        }
        let eligible = |i: usize| {
            let ind = &self.indicators[i];
            ind.units.contains(m.unit.as_str())
                && !excluded[i]
                && (ind.context.is_empty() || has_context[i])
        };
        let pick = |table: &[Option<(i64, usize)>]| {
            // Indicators with a signal first: eligibility hashes the unit.
            (0..n)
                .filter_map(|i| table[i].map(|(s, p)| (s, i, p)))
                .filter(|&(_, i, _)| eligible(i))
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        };
        // A real signal anywhere in the clause, even for an ineligible indicator, silences weak ones.
        let any_strong = best_strong.iter().any(Option::is_some);
        let chosen = pick(best_strong).map(|c| (c, "signal")).or_else(|| {
            (!any_strong)
                .then(|| pick(best_weak))
                .flatten()
                .map(|c| (c, "weak signal"))
        });
        match chosen {
            Some(((_, i, pattern), kind)) => {
                // Pieced together: the formatting machinery cost more than the rest of a verdict.
                let mut rule = CompactString::new(kind);
                rule.push(' ');
                rule.push_str(&self.words[pattern]);
                Verdict {
                    indicator: Some(i),
                    rule,
                }
            }
            None if noun_follows => Verdict::none("counts the noun written after its classifier"),
            None => Verdict::none("no signal of a catalogue indicator in its clause"),
        }
    }

    /// Whether one of `neighbours` (the mentions of the clause) has a better claim than `m` to
    /// signal `h`, in a unit indicator `i` counts: then `h` is that number's signal. A number
    /// of the signal's own list item beats one across a list separator (`清理乱搭乱建12处、
    /// 占道经营摊点86个`: 占道经营 is the 86's); then the nearer number wins, and at the same
    /// distance the one after the signal (`100%参考、100%合格`: each its own).
    fn nearer_count(
        &self,
        h: &Hit,
        i: usize,
        m: &Mention,
        chars: &[char],
        neighbours: &[Mention],
    ) -> bool {
        let claim = |n: &Mention| {
            let (d, before) = reach(h, n)?;
            let between = if before {
                &chars[h.end..n.number_start]
            } else {
                &chars[n.unit_end..h.start]
            };
            let across = between.iter().any(|c| self.list_separators.contains(c));
            // Smaller is a better claim.
            Some((across, d, !before))
        };
        let Some(own) = claim(m) else {
            return false;
        };
        let units = &self.indicators[i].units;
        neighbours.iter().any(|n| {
            units.contains(n.unit.as_str())
                && !self.one_change(n, m, chars)
                && claim(n).is_some_and(|other| other < own)
        })
    }

    /// Whether `a` and `b` are the values of one quantity before and after a change, joined by
    /// nothing but a change link (`持证率由85%提高到100%`): a signal describes both.
    fn one_change(&self, a: &Mention, b: &Mention, chars: &[char]) -> bool {
        let (first, second) = if a.end <= b.start { (a, b) } else { (b, a) };
        let between = &chars[first.end.min(second.start)..second.start];
        a.unit == b.unit && self.change_links.iter().any(|w| w.as_slice() == between)
    }

    /// The verdict for `m` from its clause and the topic label before it, if that names an
    /// indicator.
    #[allow(clippy::too_many_arguments)]
    fn score_with_topic(
        &self,
        m: &Mention,
        topic: Span,
        clause: Span,
        chars: &[char],
        hits: &[Hit],
        neighbours: &[Mention],
        scores: &mut Scores,
    ) -> Option<Verdict> {
        let wider = Span {
            start: topic.start,
            end: clause.end,
        };
        let v = self.score(m, wider, hits, (chars, neighbours), false, scores);
        let label: String = chars[topic.start..topic.end].iter().collect();
        v.indicator.map(|i| Verdict {
            indicator: Some(i),
            rule: format_compact!("{} of the topic {label}", v.rule),
        })
    }

    /// The clause before `clause` in `sentence` when it is a label naming the topic of the
    /// clause: it ends with a topic word (`信访方面,全年受理86件`) or a colon (`执法检查:全年…`),
    /// and is short.
    fn topic_before(
        &self,
        rules: &StructureRules,
        chars: &[char],
        sentence: Span,
        clause: Span,
    ) -> Option<Span> {
        let end = clause
            .start
            .checked_sub(1)
            .filter(|&e| e > sentence.start)?;
        let label = rules.clause(chars, sentence, Span { start: end, end });
        let words = &chars[label.start..end];
        let topical = chars[end] == ':' || self.topic_endings.iter().any(|w| ends(words, w));
        (topical && !words.is_empty() && words.len() <= TOPIC_MAX_CHARS).then_some(Span {
            start: label.start,
            end,
        })
    }

    /// The catalogue words and part markers of `sentence`.
    fn sentence_words(&self, text: &TextIndex, sentence: Span) -> SentenceWords {
        let chars = &text.chars;
        SentenceWords {
            sentence,
            hits: self.hits(text, sentence),
            markers: chars[sentence.start..sentence.end]
                .iter()
                .enumerate()
                .filter(|&(_, c)| self.part_marker_firsts.contains(c))
                .map(|(i, _)| sentence.start + i)
                .filter(|&i| self.part_markers.iter().any(|w| starts(&chars[i..], w)))
                .collect(),
        }
    }

    /// Every catalogue word that starts in `sentence`, overlapping, in character offsets,
    /// sorted by start. An overlapping search reports every occurrence, and one that starts in
    /// the sentence ends within `max_len` bytes of its end, so searching the sentence and that
    /// much after it finds what a search of the whole body finds there.
    fn hits(&self, text: &TextIndex, sentence: Span) -> Vec<Hit> {
        let Some(dictionary) = &self.dictionary else {
            return Vec::new();
        };
        let body = text.as_str();
        let from = text.byte_of(sentence.start);
        let sentence_end = text.byte_of(sentence.end);
        let mut to = (sentence_end + dictionary.max_len()).min(body.len());
        while !body.is_char_boundary(to) {
            to += 1;
        }
        let window = &body[from..to];
        // A sentence holds a few catalogue words; room for them from the start.
        let mut hits: Vec<Hit> = Vec::with_capacity(16);
        // Hits come by start: each one's character offset is counted on from the last one's.
        let (mut byte, mut start) = (0, sentence.start);
        dictionary.for_each_overlapping(window, |m| {
            if from + m.start < sentence_end {
                start += window[byte..m.start].chars().count();
                byte = m.start;
                hits.push(Hit {
                    start,
                    end: start + window[m.start..m.end].chars().count(),
                    pattern: m.word as usize,
                });
            }
        });
        // Words are distinct, so (start, end) names one hit and the order is total.
        hits.sort_by_key(|h| (h.start, h.end));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// The hits of each sentence, found in a window and counted on in characters, are those of
    /// one overlapping search of the whole body that start in the sentence.
    #[test]
    fn sentence_hits_are_the_whole_body_hits_that_start_in_it() {
        let catalogue = Config::builtin().unwrap().catalogue;
        let dictionary = catalogue.dictionary.as_ref().unwrap();
        let body = "2023年,共办理行政复议案件12件。A类 培训执法人员300人次;化解矛盾纠纷131件\n\
                    开展法治宣传活动56场,行政诉讼案件 出庭应诉率100%。";
        let text = TextIndex::new(body.to_owned());
        let mut whole = Vec::new();
        dictionary.for_each_overlapping(body, |m| {
            whole.push((text.char_at(m.start), text.char_at(m.end), m.word as usize));
        });
        whole.sort();
        let mut found = Vec::new();
        let ends = ['。', ';', '\n'];
        let mut start = 0;
        for (i, c) in text.chars.iter().enumerate() {
            if ends.contains(c) || i + 1 == text.chars.len() {
                let sentence = Span { start, end: i + 1 };
                found.extend(
                    catalogue
                        .hits(&text, sentence)
                        .into_iter()
                        .map(|h| (h.start, h.end, h.pattern)),
                );
                start = i + 1;
            }
        }
        found.sort();
        assert!(whole.len() > 5, "{whole:?}");
        assert_eq!(found, whole);
    }
}

//! Classify: mentions and their sentences in, at most one catalogue indicator per mention out
//! (EXTRACTION.md §3), each with the rule that decided it.
//!
//! Every `[[indicator]]` in `pipeline.toml` lists its units, its signal words, weak signals,
//! words that exclude it and, optionally, context words its sentence must contain, signals that
//! count only beside a `when` word in the clause, the audience its activity is for and the
//! activities whose attendees it counts. For each mention the signals in its clause are scored:
//! longer is more specific, nearer is better, a signal before the number counts a little more
//! than one just after the measure word. In a list (`规范性文件9件、合同协议214件`) a signal
//! describes the number of its own item, but the old and the new value of one quantity
//! (`持证率由85%提高到100%`) share their signal. The best indicator that counts the mention's
//! unit wins; a unit counts for an indicator that counts the unit it stands for in
//! `[classify] counts_as` (宗 and 起 count cases like 件). Weak signals (`活动`) only count when no
//! indicator has a real one.
//!
//! The distinctions of §3 are rules of `[classify]`, each visible in the verdict's rule:
//! - **Audience.** `audiences` names groups of words (cadres, the public). An indicator for one
//!   audience is ruled out where the clause names another and not its own (a lecture for pupils
//!   is no training session), and its `signals_when` count where the clause names its audience
//!   alone (a lecture for cadres is one).
//! - **Attendance.** After an `attendance` word (`覆盖380余人次`, `参与学习人数500余人次`) a count
//!   of people counts those who attended: of the indicators with `attendees_of`, the one the
//!   clause's audience leaves, else the one whose signal the clause has, else the one that
//!   counts the attendees of the activity counted before it in the sentence.
//! - **Parts and sums.** After `其中` the parts of a total (the last number before it in the
//!   part's unit) that would get the total's own indicator get none (letters and visits inside
//!   all petitions), nor one the total's clause rules out (讨薪案件 inside 法律援助案件), while
//!   parts with an entry of their own keep it (penalty cases inside all enforcement cases). A
//!   number whose clause joins signals of two entries it could count (`重大决策与规范性文件…
//!   审核31件`, joined by `joiners`) sums them up and gets none; so does a count of things
//!   honoured (`honours`: `5宗案件…获评优秀`).
//! - **Topic outside the clause.** A clause with no signal takes the topic of a short label
//!   before it (`信访方面,全年受理86件`). One that names nothing of its own, its number right
//!   after a `count_verbs` verb (`全年受理86件`, not `入库讲师25名`), takes the topic of the
//!   clause before it when that clause counts nothing itself (`深入排查化解矛盾纠纷,全年受理
//!   86件`), or, in the first paragraph under a heading and with no signal before it in its
//!   sentence, of the heading (`(三)化解矛盾纠纷` … `全年受理86件`). A clause opening with
//!   `共计/累计/合计` sums up the mention before it and inherits its indicator.
//!
//! With [`Catalogue::trace_decisions`] each verdict's rule also carries, on the lines after its
//! first, the signals found, the candidates and why the winner won and the others lost: what
//! `fazhi explain` shows.

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
    /// Signals that count only where the number's clause also holds one of `when`, or, with no
    /// `when`, names the indicator's audience alone (a lecture for cadres is a training session).
    pub signals_when: Vec<String>,
    pub when: Vec<String>,
    /// The audience its activity is for, an index into `[classify] audiences`.
    pub audience: Option<usize>,
    /// The indicators whose attendees it counts (training_participants: training_sessions), by
    /// index into the catalogue.
    pub attendees_of: Vec<usize>,
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

/// What a dictionary word means beside the indicators that use it: the words of `[classify]`.
#[derive(Debug, Clone, Copy, Default)]
struct Global {
    /// It names this audience.
    audience: Option<usize>,
    /// Before a count of people, it makes it a count of attendees.
    attendance: bool,
    /// It says the counted things were honoured.
    honour: bool,
}

/// A named group of audience words (`[classify] audiences`).
#[derive(Debug, Clone)]
pub struct Audience {
    pub name: String,
    pub words: Vec<String>,
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
    /// For each word: what it means to `[classify]`.
    global: Vec<Global>,
    audiences: Vec<String>,
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
    /// `(unit, unit it counts as)`: 宗 counts as 件.
    counts_as: Vec<(String, String)>,
    /// What joins two signals a number sums up (`、`, `和`, `与`).
    joiners: Vec<Vec<char>>,
    /// Verbs a count is reported with (`受理`), for a clause that names nothing of its own.
    count_verbs: Vec<Vec<char>>,
    /// Whether verdicts carry their whole decision (for `fazhi explain`).
    trace: bool,
}

/// The words of `[classify]`: how sentences tie numbers to signals, beside the catalogue.
#[derive(Debug, Default)]
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
    /// Who an activity is for: cadres, the public.
    pub audiences: Vec<Audience>,
    /// Before a count of people, make it a count of attendees: `覆盖`, `参与`.
    pub attendance: Vec<String>,
    /// Say the counted things were honoured: `获评`, `入选`.
    pub honours: Vec<String>,
    /// `(unit, unit it counts as)`: 宗 and 起 count as 件.
    pub counts_as: Vec<(String, String)>,
    /// Join two signals a number sums up: `、`, `和`, `与`.
    pub joiners: Vec<String>,
    /// Report a count with no noun of its own: `全年受理86件`.
    pub count_verbs: Vec<String>,
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

/// An indicator's best signal for a mention: its score and the hit.
#[derive(Debug, Clone, Copy)]
struct Best {
    score: i64,
    pattern: usize,
    start: usize,
    end: usize,
}

/// The best signal per indicator and what rules indicators out, for one mention at a time;
/// allocated once per document.
struct Scores {
    strong: Vec<Option<Best>>,
    weak: Vec<Option<Best>>,
    /// The best of the `signals_when`, which count as strong signals when their condition
    /// holds.
    conditional: Vec<Option<Best>>,
    /// The word that rules each indicator out, if one does.
    excluded: Vec<Option<usize>>,
    has_context: Vec<bool>,
    when_met: Vec<bool>,
    /// The audiences the clause names.
    named: Vec<bool>,
    /// An attendance word before the number in its clause.
    attendance: Option<usize>,
    /// An honour word in the clause.
    honour: Option<usize>,
    /// The decision, line by line, when traced.
    trace: Option<Vec<String>>,
}

impl Scores {
    fn new(n: usize, audiences: usize, trace: bool) -> Scores {
        Scores {
            strong: vec![None; n],
            weak: vec![None; n],
            conditional: vec![None; n],
            excluded: vec![None; n],
            has_context: vec![false; n],
            when_met: vec![false; n],
            named: vec![false; audiences],
            attendance: None,
            honour: None,
            trace: trace.then(Vec::new),
        }
    }

    fn clear(&mut self) {
        self.strong.fill(None);
        self.weak.fill(None);
        self.conditional.fill(None);
        self.excluded.fill(None);
        self.has_context.fill(false);
        self.when_met.fill(false);
        self.named.fill(false);
        self.attendance = None;
        self.honour = None;
    }

    /// Adds a line to the decision, when traced (`line` is only built then).
    fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(t) = &mut self.trace {
            t.push(line());
        }
    }
}

/// The catalogue words and the part markers (其中) of one sentence.
struct SentenceWords {
    sentence: Span,
    hits: Vec<Hit>,
    /// Where a part marker starts, in order.
    markers: Vec<usize>,
}

/// What the clause of a mention says beyond its verdict, for the rules that follow scoring.
#[derive(Debug, Clone, Copy)]
struct ClauseFacts {
    /// An attendance word before the number.
    attendance: Option<usize>,
    /// The pattern of the winning signal, if one won.
    winner: Option<usize>,
    /// Whether the clause holds a signal (of any kind, for any indicator) or an excluding word.
    signals_seen: bool,
    /// Whether a rule decided the verdict beyond scoring (a sum, an honour): no topic from
    /// outside the clause may change it.
    decided: bool,
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

/// The mentions of `clause` (or of any span around mention `k`), mention `k` among them (it is never nearer to a signal than
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
/// The first paragraph under a heading: the heading's line and the next.
const HEADING_REACH_LINES: usize = 1;
/// How near before the number a count verb stands in a clause that names nothing of its own
/// (`全年共受理86件`, `开展了2场次`).
const COUNT_VERB_REACH: usize = 2;
/// The most characters between two signals joined by a joiner (`重大决策与规范性文件`,
/// `规范性文件、政府合同`), the joiner included: farther apart they are no list of what one
/// number counts (`通过辅导讲座、实地研学等形式开展集中学习57次`).
const JOIN_GAP_CHARS: usize = 4;

/// Whether the clause of `m` counts with a verb and no noun of its own: one of `verbs` ends
/// within [`COUNT_VERB_REACH`] characters before the number (`全年受理86件`; not
/// `入库讲师25名`), and no word follows the measure word (`提出6份意见` names 意见).
fn verb_only(chars: &[char], clause: Span, m: &Mention, verbs: &[Vec<char>]) -> bool {
    let before = &chars[clause.start..m.start.max(clause.start)];
    let verb_ends = (0..=COUNT_VERB_REACH.min(before.len()))
        .any(|k| verbs.iter().any(|v| ends(&before[..before.len() - k], v)));
    verb_ends && !chars.get(m.end).is_some_and(|&c| is_han(c))
}

/// The id of word `w` in the dictionary being built, adding it when new.
fn word_id(words: &mut Vec<String>, uses: &mut Vec<Vec<(usize, Role)>>, w: &str) -> usize {
    match words.iter().position(|x| x == w) {
        Some(k) => k,
        None => {
            words.push(w.to_owned());
            uses.push(Vec::new());
            words.len() - 1
        }
    }
}

/// The characters of `span`, as a string (for rules and traces).
fn text_of(chars: &[char], span: Span) -> String {
    chars[span.start..span.end].iter().collect()
}

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[char], needle: &[char]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

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
            audiences,
            attendance,
            honours,
            counts_as,
            joiners,
            count_verbs,
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
                    let k = word_id(&mut words, &mut uses, w);
                    uses[k].push((i, role));
                }
            }
        }
        // The words of [classify], with what each means.
        let mut marks: Vec<(usize, Global)> = Vec::new();
        for (a, audience) in audiences.iter().enumerate() {
            for w in &audience.words {
                let k = word_id(&mut words, &mut uses, w);
                marks.push((
                    k,
                    Global {
                        audience: Some(a),
                        ..Global::default()
                    },
                ));
            }
        }
        for w in &attendance {
            let k = word_id(&mut words, &mut uses, w);
            marks.push((
                k,
                Global {
                    attendance: true,
                    ..Global::default()
                },
            ));
        }
        for w in &honours {
            let k = word_id(&mut words, &mut uses, w);
            marks.push((
                k,
                Global {
                    honour: true,
                    ..Global::default()
                },
            ));
        }
        let mut global = vec![Global::default(); words.len()];
        for (k, g) in marks {
            let slot = &mut global[k];
            slot.audience = slot.audience.or(g.audience);
            slot.attendance |= g.attendance;
            slot.honour |= g.honour;
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
            global,
            audiences: audiences.into_iter().map(|a| a.name).collect(),
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
            counts_as,
            joiners: joiners.iter().map(|w| w.chars().collect()).collect(),
            count_verbs: count_verbs.iter().map(|w| w.chars().collect()).collect(),
            trace: false,
        }
    }

    /// Makes every verdict carry its whole decision on the lines after its rule: the signals
    /// found, the candidates, and why the winner won and the others lost (`fazhi explain`).
    pub fn trace_decisions(&mut self, on: bool) {
        self.trace = on;
    }

    /// Whether indicator `i` counts things in `unit`: one of its units, or the unit `unit`
    /// counts as (`[classify] counts_as`: 宗 counts as 件).
    pub fn admits(&self, i: usize, unit: &str) -> bool {
        let units = &self.indicators[i].units;
        units.contains(unit)
            || self
                .counts_as
                .iter()
                .any(|(u, like)| u == unit && units.contains(like.as_str()))
    }

    /// Whether indicator `i` may count for a clause that names the audiences `named`: an
    /// indicator for one audience is ruled out where the clause names another and not its own.
    fn audience_allows(&self, i: usize, named: &[bool]) -> bool {
        match self.indicators[i].audience {
            Some(a) => named[a] || !named.iter().any(|&n| n),
            None => true,
        }
    }

    /// Whether the `signals_when` of indicator `i` count in the clause scored in `scores`: a
    /// `when` word is in it, or, for an indicator with an audience and no `when` words, the
    /// clause names that audience and no other.
    fn condition_met(&self, i: usize, scores: &Scores) -> bool {
        let ind = &self.indicators[i];
        if !ind.when.is_empty() {
            return scores.when_met[i];
        }
        ind.audience.is_some_and(|a| {
            scores.named[a] && scores.named.iter().enumerate().all(|(o, &n)| o == a || !n)
        })
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
        let mut scores = Scores::new(self.indicators.len(), self.audiences.len(), self.trace);
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
            if let Some(t) = &mut scores.trace {
                t.clear();
                t.push(format!("clause: {}", text_of(chars, clause)));
            }
            // `4个部门`: the classifier's own noun follows it, and the number counts that noun.
            let noun_follows = self.noun_after_units.iter().any(|u| *u == m.unit)
                && chars.get(m.unit_end).is_some_and(|&c| is_han(c));
            // The mentions of a clause compete for its signals.
            let neighbours = clause_mentions(mentions, k, clause);
            let (mut verdict, facts) = self.score(
                m,
                clause,
                &words.hits,
                (chars, neighbours),
                noun_follows,
                &mut scores,
            );
            // The earlier mentions of the sentence, nearest first.
            let earlier = (0..k)
                .rev()
                .take_while(|&p| mentions[p].number_start >= sentence.start);
            let previous_indicator = earlier.clone().find_map(|p| verdicts[p].indicator);
            let mut decided = facts.decided;
            // `覆盖380余人次`: a count of those who attended.
            if !noun_follows {
                let before = words
                    .hits
                    .iter()
                    .filter(|h| h.start >= sentence.start && h.end <= clause.start);
                if let Some(v) =
                    self.attendance(m, &verdict, facts, &scores, previous_indicator, before)
                {
                    decided = true;
                    verdict = v;
                }
            }
            // No signal in the clause: the topic label before it may name what it counts.
            if verdict.indicator.is_none() && !noun_follows && !decided {
                let topic = self.topic_before(rules, chars, sentence, clause);
                if let Some(v) = topic.and_then(|t| {
                    self.score_with_topic(m, t, clause, chars, &words.hits, neighbours, &mut scores)
                }) {
                    verdict = v;
                }
            }
            // …or the clause before it, when that clause counts nothing itself.
            let outside_topic = verdict.indicator.is_none()
                && !noun_follows
                && !decided
                && !facts.signals_seen
                && verb_only(chars, clause, m, &self.count_verbs);
            if outside_topic {
                if let Some(v) = self.topic_of_clause_before(
                    (m, k),
                    (sentence, clause),
                    rules,
                    chars,
                    &words.hits,
                    (mentions, &verdicts),
                    &mut scores,
                ) {
                    verdict = v;
                }
            }
            // Same sentence, earlier mention: the one a 共计 clause sums up, or a total.
            if verdict.indicator.is_none() && !decided {
                if let Some(prev) = earlier.clone().next().map(|p| &verdicts[p]) {
                    let opens_with_total = self.totals.iter().any(|t| {
                        starts(&chars[clause.start..], t) && clause.start + t.len() <= m.start
                    });
                    if let Some(ind) = prev
                        .indicator
                        .filter(|&i| opens_with_total && self.admits(i, &m.unit))
                    {
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
            // …or the heading it stands under, in the heading's first paragraph.
            if outside_topic
                && verdict.indicator.is_none()
                && !self.any_signal(&words.hits, sentence.start, clause.start)
            {
                let counted_before = |from: usize| {
                    (0..k)
                        .rev()
                        .take_while(|&p| mentions[p].number_start >= from)
                        .any(|p| verdicts[p].indicator.is_some())
                };
                if let Some(v) = self
                    .heading_of(layout, sentence, m.number_start)
                    .filter(|h| !counted_before(h.start))
                    .and_then(|heading| {
                        self.score_with_heading(
                            m,
                            (text, heading),
                            clause,
                            &words.hits,
                            neighbours,
                            &mut scores,
                        )
                    })
                {
                    verdict = v;
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
            if let Some(t) = &scores.trace {
                for line in t {
                    verdict.rule.push('\n');
                    verdict.rule.push_str(line);
                }
            }
            verdicts.push(verdict);
        }
        verdicts
    }

    /// The verdict for `m` from the catalogue words in its sentence, and what its clause says
    /// beyond it. With `noun_follows` (the unit is a classifier whose noun is written right
    /// after it), only a signal that is that noun counts.
    fn score(
        &self,
        m: &Mention,
        clause: Span,
        hits: &[Hit],
        (chars, neighbours): (&[char], &[Mention]),
        noun_follows: bool,
        scores: &mut Scores,
    ) -> (Verdict, ClauseFacts) {
        let n = self.indicators.len();
        scores.clear();
        for h in hits {
            let in_clause = h.start >= clause.start && h.end <= clause.end;
            // A word inside the mention (`人次`) describes nothing around it.
            let outside = h.end <= m.number_start || h.start >= m.unit_end;
            let distance = if noun_follows {
                (h.start == m.unit_end).then_some(0)
            } else if in_clause {
                distance(h, m)
            } else {
                None
            };
            let g = self.global[h.pattern];
            if in_clause && outside {
                if let Some(a) = g.audience {
                    scores.named[a] = true;
                }
                if g.honour {
                    scores.honour = Some(h.pattern);
                }
                if g.attendance && h.end <= m.number_start {
                    scores.attendance = Some(h.pattern);
                }
            }
            let len = i64::try_from(h.end - h.start).unwrap_or(0);
            for &(i, role) in &self.uses[h.pattern] {
                match role {
                    Role::Context => scores.has_context[i] = true,
                    Role::When if in_clause => scores.when_met[i] = true,
                    Role::When => {}
                    // An excluding word, like a signal, belongs to its own list item
                    // (理论中心组学习6次、主题教育集中学习4次: 主题教育 is the 4's).
                    Role::Exclude
                        if in_clause
                            && outside
                            && (noun_follows
                                || self.nearer_count(h, i, m, chars, neighbours).is_none()) =>
                    {
                        scores.excluded[i].get_or_insert(h.pattern);
                    }
                    Role::Exclude => {}
                    Role::Signal | Role::Weak | Role::SignalWhen => {
                        let Some(d) = distance else { continue };
                        // In a list (规范性文件9件、合同协议214件), a signal describes the
                        // nearest number it can count, not every number of the clause.
                        if !noun_follows {
                            if let Some(other) = self.nearer_count(h, i, m, chars, neighbours) {
                                scores.note(|| {
                                    format!(
                                        "  {} ({}) describes {} rather than this number",
                                        self.words[h.pattern],
                                        self.indicators[i].id,
                                        text_of(
                                            chars,
                                            Span {
                                                start: other.start,
                                                end: other.end
                                            }
                                        )
                                    )
                                });
                                continue;
                            }
                        }
                        // A conditional signal describes the number of its own list item only
                        // (传达学习、研究部署法治建设相关议题27次: the 学习 is no count).
                        if role == Role::SignalWhen && self.across_list(h, m, chars) {
                            continue;
                        }
                        let slot = match role {
                            Role::Signal => &mut scores.strong[i],
                            Role::Weak => &mut scores.weak[i],
                            _ => &mut scores.conditional[i],
                        };
                        let score = 10 * len - d;
                        if slot.is_none_or(|b| score > b.score) {
                            *slot = Some(Best {
                                score,
                                pattern: h.pattern,
                                start: h.start,
                                end: h.end,
                            });
                        }
                    }
                }
            }
        }
        for i in 0..n {
            let Some(c) = scores.conditional[i] else {
                continue;
            };
            if self.condition_met(i, scores) {
                if scores.strong[i].is_none_or(|b| c.score > b.score) {
                    scores.strong[i] = Some(c);
                }
            } else {
                scores.note(|| {
                    let ind = &self.indicators[i];
                    let beside = match (ind.when.is_empty(), ind.audience) {
                        (true, Some(a)) => format!("a clause for {} alone", self.audiences[a]),
                        _ => ind.when.join("/"),
                    };
                    format!(
                        "  {} ({}) counts only beside {beside}",
                        self.words[c.pattern], ind.id
                    )
                });
            }
        }
        let eligible = |i: usize| {
            let ind = &self.indicators[i];
            self.admits(i, &m.unit)
                && scores.excluded[i].is_none()
                && (ind.context.is_empty() || scores.has_context[i])
                && self.audience_allows(i, &scores.named)
        };
        let pick = |table: &[Option<Best>]| {
            // Indicators with a signal first: eligibility hashes the unit.
            (0..n)
                .filter_map(|i| table[i].map(|b| (b, i)))
                .filter(|&(_, i)| eligible(i))
                .max_by(|a, b| a.0.score.cmp(&b.0.score).then(b.1.cmp(&a.1)))
        };
        // A real signal anywhere in the clause, even for an ineligible indicator, silences weak ones.
        let any_strong = scores.strong.iter().any(Option::is_some);
        let chosen = pick(&scores.strong).map(|c| (c, "signal")).or_else(|| {
            (!any_strong)
                .then(|| pick(&scores.weak))
                .flatten()
                .map(|c| (c, "weak signal"))
        });
        let signals_seen = any_strong
            || scores.weak.iter().any(Option::is_some)
            || scores.conditional.iter().any(Option::is_some)
            || scores.excluded.iter().any(Option::is_some);
        let mut facts = ClauseFacts {
            attendance: scores.attendance,
            winner: chosen.map(|((b, _), _)| b.pattern),
            signals_seen,
            decided: false,
        };
        let lines = scores
            .trace
            .is_some()
            .then(|| self.candidates(m, scores, &eligible, chosen.map(|((_, i), _)| i)));
        let joined = match chosen {
            Some(((best, i), "signal")) => {
                self.joined_with(best, i, m, scores, &eligible, chars, neighbours)
            }
            _ => None,
        };
        let verdict = match (chosen, joined) {
            (Some(((_, i), _)), _) if scores.honour.is_some() => {
                facts.decided = true;
                Verdict::none(format_compact!(
                    "counts things honoured ({}), not {}",
                    scores.honour.map_or("", |w| self.words[w].as_str()),
                    self.indicators[i].id
                ))
            }
            (Some(((best, i), _)), Some(j)) => {
                facts.decided = true;
                Verdict::none(format_compact!(
                    "sums up {} and {} ({} and {} joined)",
                    self.indicators[i].id,
                    self.indicators[j].id,
                    self.words[best.pattern],
                    scores.strong[j].map_or("", |b| self.words[b.pattern].as_str())
                ))
            }
            (Some(((best, i), kind)), None) => {
                // Pieced together: the formatting machinery cost more than the rest of a verdict.
                let mut rule = CompactString::new(kind);
                rule.push(' ');
                rule.push_str(&self.words[best.pattern]);
                Verdict {
                    indicator: Some(i),
                    rule,
                }
            }
            (None, _) if noun_follows => {
                Verdict::none("counts the noun written after its classifier")
            }
            (None, _) => Verdict::none("no signal of a catalogue indicator in its clause"),
        };
        if let (Some(t), Some(lines)) = (&mut scores.trace, lines) {
            t.extend(lines);
        }
        (verdict, facts)
    }

    /// Another indicator than `i` (whose best signal is `best`) that the number may count too,
    /// with a signal joined to `best` by a joiner (`重大决策与规范性文件…审核31件`) within
    /// [`JOIN_GAP_CHARS`], on the same side of the number with no number between them: the
    /// number sums both up. A signal that
    /// covers both (`复议、诉讼`) is one signal, not two.
    #[allow(clippy::too_many_arguments)]
    fn joined_with(
        &self,
        best: Best,
        i: usize,
        m: &Mention,
        scores: &Scores,
        eligible: &dyn Fn(usize) -> bool,
        chars: &[char],
        neighbours: &[Mention],
    ) -> Option<usize> {
        let before = best.end <= m.number_start;
        (0..self.indicators.len()).find(|&j| {
            let Some(other) = scores.strong[j].filter(|_| j != i && eligible(j)) else {
                return false;
            };
            let (lo, hi) = if other.end <= best.start {
                (other.end, best.start)
            } else if best.end <= other.start {
                (best.end, other.start)
            } else {
                return false; // overlapping: one word
            };
            (other.end <= m.number_start) == before
                && hi - lo <= JOIN_GAP_CHARS
                && self.joiners.iter().any(|w| contains(&chars[lo..hi], w))
                && neighbours
                    .iter()
                    .all(|n| n.unit_end <= lo || n.number_start >= hi)
        })
    }

    /// The candidates of a traced decision: each indicator with a signal, its score and why it
    /// won or lost.
    fn candidates(
        &self,
        m: &Mention,
        scores: &Scores,
        eligible: &dyn Fn(usize) -> bool,
        winner: Option<usize>,
    ) -> Vec<String> {
        let any_strong = scores.strong.iter().any(Option::is_some);
        let winning = winner.and_then(|w| scores.strong[w].or(scores.weak[w]));
        let mut lines = Vec::new();
        for (i, ind) in self.indicators.iter().enumerate() {
            let (best, kind) = match (scores.strong[i], scores.weak[i]) {
                (Some(b), _) => (b, "signal"),
                (None, Some(b)) => (b, "weak signal"),
                (None, None) => {
                    if let Some(w) = scores.excluded[i].filter(|_| scores.conditional[i].is_some())
                    {
                        lines.push(format!("  {}: ruled out by {}", ind.id, self.words[w]));
                    }
                    continue;
                }
            };
            let why = if winner == Some(i) {
                "chosen".to_owned()
            } else if !self.admits(i, &m.unit) {
                format!("does not count {}", m.unit)
            } else if let Some(w) = scores.excluded[i] {
                format!("ruled out by {}", self.words[w])
            } else if !ind.context.is_empty() && !scores.has_context[i] {
                format!("needs one of {} in the sentence", ind.context.join("/"))
            } else if !self.audience_allows(i, &scores.named) {
                let a = ind.audience.map_or("", |a| self.audiences[a].as_str());
                format!("is for {a}, and the clause names another audience")
            } else if kind == "weak signal" && any_strong {
                "weak, and the clause has a real signal".to_owned()
            } else if !eligible(i) {
                "not eligible".to_owned()
            } else if let Some(w) = winning {
                format!("scores less than {}", w.score)
            } else {
                "lost".to_owned()
            };
            lines.push(format!(
                "  {}: {kind} {} scores {} — {why}",
                ind.id, self.words[best.pattern], best.score
            ));
        }
        let named: Vec<&str> = (0..self.audiences.len())
            .filter(|&a| scores.named[a])
            .map(|a| self.audiences[a].as_str())
            .collect();
        if !named.is_empty() {
            lines.push(format!(
                "  the clause names the audience {}",
                named.join(", ")
            ));
        }
        lines
    }

    /// The verdict for a count of people after an attendance word (`覆盖380余人次`), when one
    /// of the indicators with `attendees_of` counts its unit, and no signal of another entry
    /// names the people (`参与律师5人`): the one the clause's audience (or
    /// an exclusion) leaves; else the one the clause has a signal of beside the attendance
    /// words; else the one that counts the attendees of the activity counted before it in the
    /// sentence (the indicator of the mention before, or the nearest signal before the clause
    /// in `before`); else keep the clause's choice if it is one of them, or none. `None`: the
    /// rule does not apply, or keeps the verdict.
    fn attendance<'h>(
        &self,
        m: &Mention,
        verdict: &Verdict,
        facts: ClauseFacts,
        scores: &Scores,
        previous: Option<usize>,
        before: impl DoubleEndedIterator<Item = &'h Hit>,
    ) -> Option<Verdict> {
        let word = &self.words[facts.attendance?];
        let candidates: Vec<usize> = (0..self.indicators.len())
            .filter(|&i| !self.indicators[i].attendees_of.is_empty() && self.admits(i, &m.unit))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        // A signal of another entry names what the people are (参与律师5人: lawyers engaged).
        if verdict.indicator.is_some_and(|i| !candidates.contains(&i)) {
            return None;
        }
        let open: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| scores.excluded[i].is_none() && self.audience_allows(i, &scores.named))
            .collect();
        let chosen = |i: usize, why: &str| Verdict {
            indicator: Some(i),
            rule: format_compact!("counts those attending ({word}): {why}"),
        };
        match open[..] {
            [] => {
                return Some(Verdict::none(format_compact!(
                    "counts those attending ({word}), for none of the entries of attendees"
                )))
            }
            [i] if candidates.len() > 1 => {
                return Some(chosen(i, "the audience leaves this entry"));
            }
            _ => {}
        }
        // The clause's own signal of one of them, beside the attendance word (执法培训累计覆盖
        // 960人: 培训).
        let named = open
            .iter()
            .filter_map(|&i| {
                scores.strong[i]
                    .filter(|b| !self.global[b.pattern].attendance)
                    .map(|b| (b.score, i))
            })
            .max();
        if let Some((_, i)) = named {
            return Some(chosen(i, "its clause names this entry"));
        }
        let activity = previous.or_else(|| {
            before.rev().find_map(|h| {
                self.uses[h.pattern]
                    .iter()
                    .find(|&&(i, role)| {
                        role == Role::Signal
                            && open
                                .iter()
                                .any(|&o| self.indicators[o].attendees_of.contains(&i))
                    })
                    .map(|&(i, _)| i)
            })
        });
        if let Some(a) = activity {
            if let Some(&i) = open
                .iter()
                .find(|&&o| self.indicators[o].attendees_of.contains(&a))
            {
                return Some(chosen(
                    i,
                    &format!("the attendees of the {} before it", self.indicators[a].id),
                ));
            }
        }
        if verdict.indicator.is_some_and(|i| open.contains(&i)) {
            return None;
        }
        Some(Verdict::none(format_compact!(
            "counts those attending ({word}): of what, the sentence does not say"
        )))
    }

    /// Whether one of `neighbours` (the mentions of the clause) has a better claim than `m` to
    /// signal `h`, in a unit indicator `i` counts: then `h` is that number's signal, returned.
    /// A number of the signal's own list item beats one across a list separator (`清理乱搭乱建
    /// 12处、占道经营摊点86个`: 占道经营 is the 86's); then the nearer number wins, and at the
    /// same distance the one after the signal (`100%参考、100%合格`: each its own).
    fn nearer_count<'n>(
        &self,
        h: &Hit,
        i: usize,
        m: &Mention,
        chars: &[char],
        neighbours: &'n [Mention],
    ) -> Option<&'n Mention> {
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
        let own = claim(m)?;
        neighbours.iter().find(|n| {
            self.admits(i, &n.unit)
                && !self.one_change(n, m, chars)
                && claim(n).is_some_and(|other| other < own)
        })
    }

    /// Whether a list separator stands between hit `h` and the number of `m`.
    fn across_list(&self, h: &Hit, m: &Mention, chars: &[char]) -> bool {
        let between = if h.end <= m.number_start {
            &chars[h.end..m.number_start]
        } else {
            &chars[m.unit_end.min(h.start)..h.start]
        };
        between.iter().any(|c| self.list_separators.contains(c))
    }

    /// Whether `a` and `b` are the values of one quantity before and after a change, joined by
    /// nothing but a change link (`持证率由85%提高到100%`): a signal describes both.
    fn one_change(&self, a: &Mention, b: &Mention, chars: &[char]) -> bool {
        let (first, second) = if a.end <= b.start { (a, b) } else { (b, a) };
        let between = &chars[first.end.min(second.start)..second.start];
        a.unit == b.unit && self.change_links.iter().any(|w| w.as_slice() == between)
    }

    /// Whether a signal of any indicator lies among `hits` between `from` and `to`.
    fn any_signal(&self, hits: &[Hit], from: usize, to: usize) -> bool {
        hits.iter().any(|h| {
            h.start >= from
                && h.end <= to
                && self.uses[h.pattern]
                    .iter()
                    .any(|&(_, r)| matches!(r, Role::Signal | Role::Weak | Role::SignalWhen))
        })
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
        let (v, _) = self.score(m, wider, hits, (chars, neighbours), false, scores);
        let label = text_of(chars, topic);
        v.indicator.map(|i| Verdict {
            indicator: Some(i),
            rule: format_compact!("{} of the topic {label}", v.rule),
        })
    }

    /// The verdict for `m` (mention `k`), whose clause has no signal, from the clause before it
    /// in its sentence, when that clause counts nothing itself: it names the topic
    /// (`深入排查化解矛盾纠纷,全年受理86件`). A clause that counts something (`立案57起,结案54起`)
    /// lends its signal to no state of what it counted.
    #[allow(clippy::too_many_arguments)]
    fn topic_of_clause_before(
        &self,
        (m, k): (&Mention, usize),
        (sentence, clause): (Span, Span),
        rules: &StructureRules,
        chars: &[char],
        hits: &[Hit],
        (mentions, verdicts): (&[Mention], &[Verdict]),
        scores: &mut Scores,
    ) -> Option<Verdict> {
        let end = clause
            .start
            .checked_sub(1)
            .filter(|&e| e > sentence.start)?;
        let before = rules.clause(chars, sentence, Span { start: end, end });
        let counts = (0..k)
            .rev()
            .take_while(|&p| mentions[p].number_start >= before.start)
            .any(|p| verdicts[p].indicator.is_some());
        if counts {
            return None;
        }
        let wider = Span {
            start: before.start,
            end: clause.end,
        };
        let neighbours = clause_mentions(mentions, k, wider);
        let (v, _) = self.score(m, wider, hits, (chars, neighbours), false, scores);
        let label = text_of(
            chars,
            Span {
                start: before.start,
                end,
            },
        );
        scores.note(|| format!("no signal in the clause: the clause before it, {label}"));
        v.indicator.map(|i| Verdict {
            indicator: Some(i),
            rule: format_compact!("{} of the clause before, {label}", v.rule),
        })
    }

    /// The heading sentence of the section `pos` stands in, when `pos` is in that heading's
    /// first paragraph ([`HEADING_REACH_LINES`]) and not in the heading's own sentence.
    fn heading_of(&self, layout: &Layout, sentence: Span, pos: usize) -> Option<Span> {
        let section = layout.shared_section_at(pos)?;
        let same = |p: usize| {
            layout
                .shared_section_at(p)
                .is_some_and(|s| std::sync::Arc::ptr_eq(s, section))
        };
        // Where the section starts: its positions are the ones up to `pos` that share it.
        let (mut lo, mut hi) = (0, pos);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if same(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let heading = layout.sentence_at(lo)?;
        let line_of = |p: usize| layout.lines.partition_point(|l| l.end < p);
        (heading != sentence && line_of(pos) <= line_of(lo) + HEADING_REACH_LINES)
            .then_some(heading)
    }

    /// The verdict for `m` from its clause and the heading it stands under, if that names an
    /// indicator (`(三)化解矛盾纠纷` … `全年受理86件`).
    fn score_with_heading(
        &self,
        m: &Mention,
        (text, heading): (&TextIndex, Span),
        clause: Span,
        hits: &[Hit],
        neighbours: &[Mention],
        scores: &mut Scores,
    ) -> Option<Verdict> {
        let mut words: Vec<Hit> = self.hits(text, heading);
        words.extend(
            hits.iter()
                .filter(|h| h.start >= clause.start && h.end <= clause.end),
        );
        let wider = Span {
            start: heading.start,
            end: clause.end,
        };
        let (v, facts) = self.score(m, wider, &words, (&text.chars, neighbours), false, scores);
        // A weak signal (活动) in a heading names no topic.
        let strong = facts.winner.is_some() && v.rule.starts_with("signal");
        let label = text_of(&text.chars, heading);
        let label = label.trim();
        scores.note(|| format!("no signal in the sentence: the heading {label}"));
        v.indicator.filter(|_| strong).map(|i| Verdict {
            indicator: Some(i),
            rule: format_compact!("{} of the heading {label}", v.rule),
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

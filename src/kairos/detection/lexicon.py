"""The cue lexicons, as data: per family, per label, phrases with weights.

A phrase is a small regular expression written for people: a space matches any run of spaces or
hyphens, ``n't`` also matches the tokenised ``n 't`` and a bare ``nt``, and any other apostrophe
is optional (``i'm`` matches ``im`` and ``i 'm``). Matching ignores case and only starts and ends
at word edges. Weights are in (0, 1] for evidence that raises an axis; negative weights lower it.
``cues.py`` compiles each family into one regular expression at import.
"""

from __future__ import annotations

# The larger families live in their own data modules; every table is importable from here.
from kairos.detection.lexicon_affect import EMOTION, URGENCY
from kairos.detection.lexicon_stakes import STAKES_LEX

Entries = tuple[tuple[str, float], ...]
Family = dict[str, Entries]

__all__ = [
    "AGENT",
    "CAPS_EXEMPT",
    "CHURN",
    "COMPLEXITY",
    "EMOTION",
    "STAKES_LEX",
    "URGENCY",
    "Entries",
    "Family",
]

CHURN: Family = {
    "cancel": (
        (
            "cancel (?:my|our|the) (?:account|membership|subscription|policy|contract|service|plan|card)",
            0.75,
        ),
        ("close (?:my|our|the) (?:account|accounts)", 0.8),
        ("terminate (?:my|our|the) (?:account|contract|policy|service)", 0.8),
        ("(?:want|going|need) to cancel", 0.5),
        ("(?:want|like) (?:a|my) (?:full )?refund", 0.35),
    ),
    "switch": (
        ("switch(?:ing)? (?:to|over to|providers?|banks?|airlines?|insurers?)", 0.75),
        (
            "mov(?:e|ing) (?:my (?:money|business|account) )?to (?:another|a different|your competitor)",
            0.75,
        ),
        ("(?:go|going|went) (?:to|with) (?:a |your )?competitors?", 0.8),
        ("take my business elsewhere", 0.9),
        ("find (?:a )?(?:another|new|different) (?:provider|bank|airline|insurer|company)", 0.75),
        ("(?:better|cheaper) (?:deal|offer) (?:elsewhere|from)", 0.6),
    ),
    "leaving": (
        ("never again", 0.8),
        ("never (?:fly|flying|use|using|book|booking|buy|buying) (?:with )?(?:you|again)", 0.85),
        ("last time i (?:fly|flew|use|book|buy|shop|travel)", 0.85),
        ("(?:won't|will not) be (?:flying|using|booking|coming back|back)", 0.8),
        ("done with you", 0.8),
        ("i'm done", 0.55),
        ("(?:will|i'll) be leaving", 0.7),
        # "if it happens again I'm leaving": leaving said at the end of a clause, not "I'm
        # leaving for the airport".
        (
            "(?:i'm|i am|we're|we are|i'll|i will|we'll) (?:be )?leav(?:e|ing)(?=\\s*(?:[.!;,]|$))",
            0.75,
        ),
        ("(?:i'm|i am|we're|we are) (?:closing|moving) (?:my|our) (?:account|business)", 0.8),
        ("lost (?:a|my) (?:loyal )?customer", 0.85),
        ("you(?:'ve| have) lost (?:me|my business)", 0.85),
        ("(?:tell|warn) (?:all )?(?:my )?(?:friends|everyone)", 0.5),
        ("(?:leave|post) a (?:bad )?review", 0.45),
        ("report (?:you|this) to", 0.55),
        ("complain(?:t)? to (?:the )?(?:ombudsman|regulator|authorities|bbb|dot|faa)", 0.65),
        ("lawyer|solicitor|sue you|legal action|small claims", 0.65),
    ),
    # Mistreated by the company's people: a breaking point whatever is at stake.
    "mistreated": (
        ("hung up on (?:me|us)", 0.7),
        (
            "treated (?:me |us )?like (?:a |an )?(?:idiot|criminal|child|liar|number|nothing|dirt|person|human)",
            0.65,
        ),
        (
            "(?:was|were|been) (?:so |very |really |incredibly |extremely )?rude to (?:me|us|my)",
            0.7,
        ),
        (
            "(?:person|agent|rep|man|woman|lady|guy|staff|manager|driver) (?:\\w+ ){0,5}(?:was|were) (?:so |very |really |incredibly |extremely )?(?:rude|abusive|aggressive)",
            0.7,
        ),
        (
            "(?:staff|agents?|crew|employees?|people|attendants?|drivers?|reps?) (?:was|were|are|is|have been) (?:so |very |really |extremely )?(?:rude|abusive|dismissive)",
            0.65,
        ),
        ("(?:make|file|lodge|raise|register) a (?:formal )?complaint", 0.55),
        ("laughed at (?:me|us)", 0.7),
        ("shouted at (?:me|us)|yelled at (?:me|us)", 0.7),
    ),
    "tenure": (
        (
            "(?:loyal |long[- ]time |valued )?customer (?:for|of|since) (?:over |more than )?(?:\\d+|ten|twenty|fifteen|thirty|many|several) (?:years|decades)",
            0.55,
        ),
        (
            "(?:been )?with you (?:for|since) (?:over |more than )?(?:\\d+|ten|twenty|fifteen|thirty|many|several) (?:years|decades)",
            0.55,
        ),
        ("loyal customer", 0.45),
        ("(?:gold|platinum|diamond|elite|premier) (?:member|status|card)", 0.4),
        ("frequent flyer", 0.35),
    ),
}

COMPLEXITY: Family = {
    "repeat": (
        ("i (?:have )?already told you", 0.7),
        (
            "(?:this is|it's|that's|for) the (?:second|third|fourth|fifth|\\d+(?:st|nd|rd|th)) time",
            0.8,
        ),
        ("already (?:told|explained|gave|sent|provided)", 0.6),
        (
            "(?:second|third|fourth|fifth|\\d+(?:st|nd|rd|th)) time (?:i(?:'ve| have)? )?(?:call|called|calling|contact|contacted|written|asked|chatted)",
            0.8,
        ),
        (
            "(?:called|contacted|written|emailed|asked) (?:you )?(?:\\d+|two|three|four|five|several|many|multiple) times",
            0.75,
        ),
        ("(?:keep|kept) (?:having to )?(?:repeat|repeating|explaining|asking)", 0.65),
        ("(?:again and again|over and over)", 0.55),
        ("every time i call", 0.6),
        ("(?:same|this) (?:issue|problem) again", 0.6),
        # A failure repeated: "charged the late fee AGAIN", "it's happened again".
        ("(?:charged|billed|debited|fined) (?:\\w+ ){0,3}again", 0.65),
        ("(?:happened|gone wrong|broken|broke|failed|dropped|cut off|down) again", 0.6),
        ("(?:both|each|every one) (?:of them )?said it was fixed", 0.7),
        (
            "(?:already )?sent (?:it|them|the \\w+(?: \\w+)?) (?:twice|two times|three times|again)",
            0.7,
        ),
        ("still (?:not )?(?:fixed|resolved|sorted)", 0.6),
        ("(?:last|previous) (?:agent|rep|person) (?:said|told|promised)", 0.65),
        ("(?:you|they) promised", 0.5),
        ("case (?:number|reference|ref)", 0.35),
    ),
    "transfer": (
        ("(?:transferred|passed|bounced) (?:around|from|between|to)", 0.6),
        ("(?:another|different) department", 0.5),
        ("spoke(?:n)? to (?:\\d+|two|three|four|several|many) (?:people|agents|reps)", 0.7),
    ),
    "multi_issue": (
        ("(?:and|plus) also", 0.35),
        ("on top of (?:that|this)", 0.5),
        ("another (?:issue|problem|thing)", 0.45),
        ("(?:two|three|several|multiple) (?:issues|problems|things)", 0.55),
        ("not only", 0.35),
        ("as well as", 0.25),
    ),
    "policy_exception": (
        ("exception", 0.6),
        ("waive(?:d)?|waiver", 0.55),
        ("(?:against|outside|not covered by) (?:the |your )?(?:policy|rules|terms)", 0.55),
        ("(?:your|the) policy (?:says|states)", 0.45),
        ("(?:speak|talk) to (?:a |your )?(?:manager|supervisor)", 0.55),
        ("escalat(?:e|ed|ion)", 0.55),
        ("special (?:case|circumstances)", 0.55),
        ("compensation", 0.45),
        ("(?:not|isn't|wasn't) (?:my fault|covered)", 0.45),
    ),
}

AGENT: Family = {
    # Blaming or deflecting: raises the customer's emotion and churn risk.
    "blame": (
        ("you misread", 0.7),
        ("you (?:should|must) have (?:read|checked|known)", 0.7),
        ("(?:that's|it's|that is) not our (?:problem|fault|responsibility)", 0.85),
        ("(?:that's|it's|that is) (?:your|the customer's) (?:problem|fault|responsibility)", 0.85),
        ("there(?:'s| is) nothing (?:i|we) can do", 0.75),
        ("(?:i|we) can(?:'t| ?not) help you", 0.6),
        ("not my (?:department|job|problem)", 0.75),
        ("as (?:i|we) (?:already )?(?:said|explained|told you)", 0.4),
        ("you(?:'ll| will) have to (?:call|contact|wait)", 0.4),
        ("(?:our|the) policy (?:is|says|does not|doesn't)", 0.35),
        ("calm down", 0.6),
        ("(?:you|your) (?:didn't|did not|failed to)", 0.5),
    ),
    # Apology and ownership: lowers them.
    "ownership": (
        ("(?:i'm|i am|we're|we are) (?:so |very |truly |really )?sorry", -0.35),
        ("(?:i|we) (?:sincerely )?apologi[sz]e", -0.35),
        ("my apologies", -0.3),
        ("leave it with me", -0.6),
        ("(?:i'll|i will) take care of (?:it|this|that)", -0.6),
        ("(?:i'll|i will|let me) (?:sort|fix|handle|rebook|refund) (?:it|this|that|you)", -0.55),
        ("(?:i'll|i will) personally", -0.55),
        ("(?:i've|i have) (?:rebooked|refunded|fixed|sorted|resolved|escalated)", -0.55),
        ("(?:i|we) understand how", -0.3),
        ("that must be", -0.3),
        ("(?:i'll|i will) call you back", -0.4),
        ("(?:we'll|we will) (?:cover|reimburse|compensate|waive)", -0.5),
        ("you(?:'re| are) (?:all )?set", -0.4),
    ),
}

#: Words written in capitals that are not shouting.
CAPS_EXEMPT: frozenset[str] = frozenset(
    {
        "ASAP",
        "USA",
        "UK",
        "EU",
        "ATM",
        "PIN",
        "SMS",
        "PC",
        "ID",
        "OK",
        "FAQ",
        "TSA",
        "ETA",
        "ETD",
        "NYC",
        "LAX",
        "JFK",
        "LHR",
        "SFO",
        "ORD",
        "ATL",
        "DFW",
        "IT",
        "API",
        "CEO",
        "DM",
        "PM",
        "AM",
        "USD",
        "GBP",
        "EUR",
        "BA",
        "AA",
        "UA",
        "DL",
        "IBAN",
        "VAT",
        "CC",
        "TV",
    }
)

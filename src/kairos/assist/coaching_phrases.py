"""The coaching rules in English, as data: the kinds of nudge, and per rule its phrase pattern, the
wording to suggest instead and the guards against readings that must not fire.

``kairos.assist.coaching.coach`` runs them; other languages' rules are ``coaching_local``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

NudgeKind = Literal["blame", "deflect", "premature_close"]
NUDGE_KINDS: tuple[NudgeKind, ...] = ("blame", "deflect", "premature_close")

_Guard = Literal["negated", "conditional", "questioned", "confirmed_later"]


@dataclass(frozen=True)
class _Rule:
    kind: NudgeKind
    name: str
    pattern: re.Pattern[str]
    suggestion: str
    guards: tuple[_Guard, ...] = ("negated",)


def _compile(source: str) -> re.Pattern[str]:
    # Written with plain spaces and apostrophes; people type "thats", "cant" and line breaks.
    source = source.replace(" ", r"\s+").replace("'", "'?")
    return re.compile(source, re.IGNORECASE)


def _rule(kind: NudgeKind, name: str, source: str, suggestion: str, *guards: _Guard) -> _Rule:
    return _Rule(kind, name, _compile(source), suggestion, guards or ("negated",))


_FAULT_SUGGESTION = "I'm sorry this happened. Whatever caused it, I'll help you put it right now."
_OWNERSHIP_SUGGESTION = (
    "Leave it with me: I'll take this to the right team myself and come back to you, "
    "so you don't have to explain it again."
)

_RULES: tuple[_Rule, ...] = (
    # -- blame: the customer is told it is their fault ------------------------------------------
    _rule(
        "blame",
        "your_fault",
        r"\b(?:that|it|this)(?:'s| is| was) (?:all |entirely |totally |really |clearly )?"
        r"your (?:own )?(?:fault|mistake|error|problem|responsibility|issue)\b",
        _FAULT_SUGGESTION,
        "negated",
        "questioned",
    ),
    _rule(
        "blame",
        "your_mistake",
        r"\b(?:due to|because of|caused by|down to|result of) your (?:own )?"
        r"(?:fault|mistake|error|oversight)\b(?! (?:message|code|screen|page))",
        _FAULT_SUGGESTION,
    ),
    _rule(
        "blame",
        "should_have",
        r"\byou (?:really )?(?:should|could|ought to)(?: have|'ve| of) (?:just )?"
        r"(?:read|checked|double[- ]checked|known|called|booked|arrived|come|asked|bought|"
        r"purchased|contacted|paid|looked|noticed|realised|realized|followed|listened|kept|saved|"
        r"printed|confirmed|taken|made sure|told us|reported|declared|selected|chosen|added|"
        r"updated|informed us|planned|left earlier|allowed|been (?:more|at|there|here|on time|"
        r"earlier|aware|careful))\b",
        "That's easy to miss, and I'm sorry it caused you trouble. Let me sort it out for you.",
        "negated",
    ),
    _rule(
        "blame",
        "should_not_have",
        r"\byou (?:shouldn't|should not|should never) have (?:booked|done|changed|cancelled|"
        r"canceled|left|gone|bought|packed|put|used|clicked|selected|ignored|waited|assumed|"
        r"trusted)\b",
        "That's easy to miss, and I'm sorry it caused you trouble. Let me sort it out for you.",
        "negated",
    ),
    _rule(
        "blame",
        "you_failed_to",
        r"\byou (?:(?:didn't|did not|failed to|forgot to|neglected to|never) (?:read|check|"
        r"follow|provide|tell us|inform us|select|include|declare|pay|enter|complete|fill|submit|"
        r"book|purchase|confirm|update|add|notify us|report|register|print|attach|specify|"
        r"mention|listen)|never (?:told us|informed us|mentioned|said|paid|checked|read|sent|"
        r"gave us|provided|declared|confirmed|followed))\b",
        "Thanks for bearing with me. Let's put it right together: here's what I can do now.",
        "conditional",
        "negated",
    ),
    _rule(
        "blame",
        "you_got_it_wrong",
        r"\byou (?:misread|misunderstood|mistyped|mis-typed|(?:entered|booked|chose|selected|"
        r"picked|gave us|put in|typed) (?:in )?(?:the |a |an )?wrong)\b",
        "Thanks for bearing with me. Let's put it right together: here's what I can do now.",
        "conditional",
        "negated",
    ),
    _rule(
        "blame",
        "if_you_had",
        r"\b(?:if you had|if you'd|had you) (?:just |only )?(?:read|checked|looked|called|booked|"
        r"arrived|followed|listened|told us|asked)\b",
        "I'm sorry this caught you out. Let me see what I can do now.",
    ),
    _rule(
        "blame",
        "as_i_already_said",
        r"\b(?:as (?:i|we) (?:have )?already (?:said|told you|explained|mentioned|stated)|"
        r"like i (?:already )?(?:said|told you)|"
        r"i (?:have )?already (?:told|explained (?:this |that |it )?to) you)\b",
        "Let me put it another way, so it's clear, and check it answers what you need.",
    ),
    _rule(
        "blame",
        "clearly_states",
        r"\b(?:it|this|that) (?:is )?(?:clearly|plainly) (?:says|said|states|stated|written|"
        r"explained|mentioned|shown|displayed)\b",
        "I can see how that was easy to miss. Let me walk you through it and sort it out.",
    ),
    _rule(
        "blame",
        "calm_down",
        r"\b(?:calm down|there's no need to (?:shout|yell|be rude|get upset))\b",
        "I can hear how stressful this is, and I'm going to help you with it.",
        "negated",
        "conditional",
    ),
    _rule(
        "blame",
        "user_error",
        r"\b(?:user|customer|operator) error\b",
        _FAULT_SUGGESTION,
    ),
    # -- deflect: the problem is handed back or elsewhere ---------------------------------------
    _rule(
        "deflect",
        "not_my_department",
        r"\b(?:(?:that|it|this)(?:'s| is| was) )?not (?:my|our) (?:department|job|area|team|"
        r"responsibility|problem|call|decision|remit|concern)\b",
        "That sits with another team, so I'll bring them in for you and stay with you until "
        "it's done.",
        "questioned",
    ),
    _rule(
        "deflect",
        "not_our_fault",
        r"\b(?:(?:that|it|this)(?:'s| is| was) not|(?:that|it|this) (?:isn't|wasn't)) our "
        r"(?:fault|problem|responsibility|issue)\b",
        "I'm sorry this happened to you. Even where the cause was outside our hands, let me see "
        "what I can do for you now.",
        "questioned",
    ),
    _rule(
        "deflect",
        "nothing_i_can_do",
        r"\b(?:(?:there's|there is) )?nothing (?:more |else |further )?(?:that )?(?:i|we) "
        r"(?:can|could|am able to|are able to) do\b",
        "I can't change that part, but here is what I can do for you right now: ...",
        "questioned",
        "conditional",
    ),
    _rule(
        "deflect",
        "cannot_help",
        r"\b(?:i|we) (?:can't|cannot|can not|am unable to|'m unable to|are unable to|"
        r"'re unable to|am not able to|are not able to) (?:help you|do anything(?: (?:for|about))?"
        r"|do anything more)\b",
        "I can't change that part, but here is what I can do for you right now: ...",
        "conditional",
    ),
    _rule(
        "deflect",
        "you_have_to_call",
        r"\byou(?:'ll| will|'d| would)? (?:have|need|must|will need|will have) to (?:call|contact|"
        r"phone|ring|speak (?:to|with)|talk to|reach out to|get in touch with|email|go (?:to|back "
        r"to|through)|take (?:it|this|that) up with|ask|check with|visit|file|submit|raise|"
        r"complain to|write to|apply to)\b",
        _OWNERSHIP_SUGGESTION,
        "negated",
        "conditional",
    ),
    _rule(
        "deflect",
        "contact_them_directly",
        r"\b(?:contact|call|reach out to|speak (?:to|with)|check with|get in touch with|ask) "
        r"(?:the |your )?(?:airport|airline|travel agent|travel agency|bank|insurer|provider|"
        r"operating carrier|other airline|partner airline|them|that team|that department|"
        r"the other team|the other department|another department|a different department|"
        r"[a-z]+ team) directly\b",
        _OWNERSHIP_SUGGESTION,
        "negated",
        "conditional",
    ),
    _rule(
        "deflect",
        "take_it_up_with",
        r"\btake (?:it|this|that|this matter) up with\b",
        _OWNERSHIP_SUGGESTION,
    ),
    _rule(
        "deflect",
        "handled_elsewhere",
        r"\b(?:(?:that|it|this)(?:'s| is) (?:handled|dealt with|managed|looked after) by "
        r"(?:another|a different|the other|a separate|our other)|you(?:'ve| have) (?:called|"
        r"reached|come to|contacted|got) the wrong (?:department|team|number|line|place|people)|"
        r"wrong department)\b",
        "That sits with another team, so I'll bring them in for you and stay with you until "
        "it's done.",
    ),
    _rule(
        "deflect",
        "out_of_my_hands",
        r"\b(?:out of (?:my|our) hands|not up to me|i just work here|above my pay grade|"
        r"(?:that's|it's|that is|it is) (?:just )?(?:the |our |company )?(?:policy|rules)"
        r"(?=\s*(?:[.!;]|$|,\s*(?:sorry|i'm afraid))))",
        "Let me explain why the rule is there, and what I can do for you within it.",
        "negated",
    ),
    # -- premature close: the contact is closed before the customer confirmed it is resolved ---
    _rule(
        "premature_close",
        "closing_the_contact",
        r"\b(?:i(?:'m| am) (?:going to|gonna|now) |i(?:'ll| will) (?:now |just |go ahead and )?|"
        r"i (?:have|need) to |we(?:'ll| will) (?:now )?|let me |"
        r"(?:i'm|i am|we're|we are) (?:now )?)"
        r"(?:close|closing|end|ending|disconnect|disconnecting|terminate|terminating|wrap up|"
        r"wrapping up) (?:this|the|our|your) (?:chat|case|ticket|conversation|call|session|thread|"
        r"complaint|query|request|enquiry|inquiry)\b",
        "Before I close this, can you confirm everything is sorted for you?",
        "negated",
        "conditional",
        "confirmed_later",
    ),
    _rule(
        "premature_close",
        "marked_resolved",
        r"\b(?:i(?:'ll| will|'ve| have)|we(?:'ll| will|'ve| have)|let me|i(?:'m| am) going to) "
        r"(?:now |just |already |go ahead and )?mark(?:ed)? (?:this|it|the (?:case|ticket|issue|"
        r"complaint|request)|your (?:case|ticket|issue|complaint|request)) (?:as )?(?:resolved|"
        r"closed|solved|complete|completed|done)\b",
        "Before I mark it resolved, can you confirm it's working for you now?",
        "negated",
        "conditional",
        "confirmed_later",
    ),
    _rule(
        "premature_close",
        "contact_closed",
        r"\b(?:this|the|your) (?:chat|case|ticket|conversation|session|complaint|query) "
        r"(?:is now|will (?:now )?be|has (?:now )?been|is being|is) (?:closed|resolved|ended|"
        r"terminated|marked (?:as )?(?:resolved|closed))\b",
        "Before I close this, can you confirm everything is sorted for you?",
        "negated",
        "conditional",
        "confirmed_later",
        "questioned",
    ),
    _rule(
        "premature_close",
        "conversation_over",
        r"\b(?:that(?:'s| is) all (?:i|we) can (?:do|tell you|offer|say)|we(?:'re| are) done "
        r"here|this (?:conversation|discussion|matter) is (?:over|closed|finished)|(?:i|we) "
        r"consider (?:this|the) (?:matter|case|issue|complaint) (?:closed|resolved)|"
        r"(?:nothing|no) (?:more|further) to (?:add|discuss|say)|end of (?:discussion|story)|"
        r"i(?:'ve| have) (?:already )?answered your question)\b",
        "Is there anything still open for you? I'd like to be sure it's fully resolved before "
        "we finish.",
        "conditional",
    ),
)

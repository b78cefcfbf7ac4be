"""Scripts of upset customers: the four emotion:high cells, moments of truth among them."""

from __future__ import annotations

from kairos.simulation.scripts.model import (
    CRISIS,
    CRISIS_COMPLEX,
    UPSET,
    UPSET_COMPLEX,
    Script,
)

UPSET_SCRIPTS: tuple[Script, ...] = (
    # -- emotion high, urgency low, complexity low ----------------------------------------------
    Script(
        UPSET,
        "bereavement",
        "accounts",
        customer=(
            "My father passed away last month and I need to close his account. I've already "
            "sent the death certificate twice and keep getting letters addressed to him.",
            "Thank you. That means a lot, honestly.",
        ),
        agent=(
            "I'm so sorry for your loss, and that you've had to chase this. I can see both "
            "certificates; I'm closing the account and stopping all letters today.",
            "Take care. You won't need to call again about this.",
        ),
        stakes=("bereavement",),
        resolution=0.9,
    ),
    Script(
        UPSET,
        "overcharged again",
        "billing",
        customer=(
            "I've been charged the late fee AGAIN even though I paid on time. This is "
            "ridiculous, I'm sick of checking every bill.",
            "Fine. But if it happens again I'm leaving.",
        ),
        agent=(
            "I understand why you're frustrated. The payment arrived on time; the fee was "
            "applied in error and I've refunded it.",
            "I've also flagged the account so it won't be applied again. I'm sorry about this.",
        ),
        resolution=0.85,
    ),
    Script(
        UPSET,
        "rude staff",
        "accounts",
        customer=(
            "The person I spoke to yesterday was incredibly rude and hung up on me. I want to "
            "make a complaint.",
            "I just want to be treated like a person.",
        ),
        agent=(
            "I'm sorry that happened. I'll log a formal complaint and it will be reviewed.",
            "You should have been. I'll make sure your original question gets answered too.",
        ),
        resolution=0.8,
    ),
    # -- emotion high, urgency low, complexity high ---------------------------------------------
    Script(
        UPSET_COMPLEX,
        "repeat fault",
        "technical",
        customer=(
            "This is the third time I'm calling about my internet dropping every evening. Two "
            "engineers came, both said it was fixed, and it's still dropping. I work from home.",
            "I don't want another visit where nothing changes.",
        ),
        agent=(
            "I can see both visits and I'm sorry you've had to call again. The line tests show "
            "drops at the cabinet, not in your home.",
            "I'm escalating it to the network team as a repeat fault, and I'll own this case "
            "until it's fixed. I'll call you Thursday with an update.",
        ),
        stakes=("business_deadline",),
        resolution=0.55,
    ),
    Script(
        UPSET_COMPLEX,
        "claim denied",
        "claims",
        customer=(
            "My water damage claim was denied because of 'gradual leakage', but the pipe burst "
            "in one night. I have photos and the plumber's report. I'm furious.",
            "How long will the appeal take? The kitchen is unusable.",
        ),
        agent=(
            "I'm sorry, that's a hard letter to get. The plumber's report can change this; "
            "I'll attach it and ask for a review.",
            "Reviews take up to ten working days. I'll also ask for an interim payment for "
            "temporary repairs.",
        ),
        stakes=("insurance_claim", "money_lost"),
        resolution=0.5,
    ),
    Script(
        UPSET_COMPLEX,
        "mis-sold plan",
        "billing",
        customer=(
            "I was promised on the phone that my mother's care package would be covered in "
            "full, and now we've had a bill for $2,300. She's 84 and she's been in tears.",
            "Nobody told us about a separate benefit period. We'd never have signed.",
        ),
        agent=(
            "I'm really sorry, that's a frightening bill to open. I'm pulling up the call "
            "notes from when the plan was sold.",
            "The notes don't mention the benefit period either. I'm putting the bill on hold "
            "and raising a complaint for a full review; I'll call you with the outcome.",
        ),
        stakes=("health", "money_lost"),
        resolution=0.5,
    ),
    # -- emotion high, urgency high, complexity low ---------------------------------------------
    Script(
        CRISIS,
        "cancelled flight",
        "travel",
        customer=(
            "My flight was just cancelled and my daughter's recital is at {deadline} tonight. I "
            "promised her I'd be there. Please, is there anything that gets me there in time?",
            "Yes, book it. Thank you so much.",
        ),
        agent=(
            "I'm so sorry. Let me look right now. There's a partner flight leaving in 90 "
            "minutes that lands in time; I can put you on it at no cost.",
            "Done. Your new boarding pass is in your email. I hope the recital goes well.",
        ),
        deadline_minutes=300,
        stakes=("travel_disruption", "family_event"),
        resolution=0.8,
    ),
    Script(
        CRISIS,
        "card stolen",
        "billing",
        customer=(
            "My wallet was stolen an hour ago and someone has already spent $900 on my card. "
            "Rent goes out tomorrow and I'm panicking.",
            "Will I get the money back before the rent goes out?",
        ),
        agent=(
            "I've blocked the card now, nothing more can go through. Let's go through the "
            "transactions together.",
            "I've raised a fraud claim and credited the $900 provisionally, so your rent will "
            "be covered. A new card is on its way.",
        ),
        deadline_minutes=600,
        stakes=("fraud", "money_lost"),
        resolution=0.85,
    ),
    Script(
        CRISIS,
        "locked laptop",
        "technical",
        customer=(
            "My laptop has locked me out after an update and I have a client presentation at "
            "{deadline}. Everything is on it. Please help.",
            "OK, I'm in! Thank you, you saved me.",
        ),
        agent=(
            "We'll get you in. I'm sending a one-time recovery code to your phone now.",
            "Glad to hear it. I've set your account so the update won't lock you again.",
        ),
        deadline_minutes=120,
        stakes=("business_deadline",),
        resolution=0.85,
    ),
    # -- emotion high, urgency high, complexity high: the moments of truth ---------------------
    Script(
        CRISIS_COMPLEX,
        "first claim",
        "claims",
        customer=(
            "I've just been in an accident on the motorway, I'm on the hard shoulder with my two "
            "kids. Nobody's hurt but the car won't move. I've never made a claim before, what "
            "do I do?",
            "The other driver drove off. Does that matter? And how do we get home?",
        ),
        agent=(
            "First, I'm glad you're all safe. Stay behind the barrier. I'm sending a tow truck "
            "now; it will be with you in about 40 minutes.",
            "Leave it with me. I've opened the claim, logged the hit-and-run and booked a taxi "
            "home for you and the children. You don't need to do anything else today.",
        ),
        deadline_minutes=60,
        stakes=("insurance_claim", "safety", "first_time"),
        resolution=0.65,
    ),
    Script(
        CRISIS_COMPLEX,
        "stranded abroad",
        "travel",
        customer=(
            "Our connection in Frankfurt was cancelled, we're stuck here with three kids and "
            "my sister's wedding is tomorrow at {deadline}. The desk says no seats until "
            "Thursday. I'm begging you.",
            "Any route, we don't care. Just get us there.",
        ),
        agent=(
            "I'm so sorry, let's find a way. I'm checking partner airlines and rail as well.",
            "I've booked the five of you on a partner flight via Vienna tonight, landing at "
            "9 am, and a hotel voucher for the wait. Confirmation is in your email.",
        ),
        deadline_minutes=1080,
        stakes=("travel_disruption", "family_event"),
        resolution=0.6,
    ),
    Script(
        CRISIS_COMPLEX,
        "encrypted drive",
        "technical",
        customer=(
            "The disk encryption is asking for a recovery key I never set up, and the client "
            "deliverable is due at {deadline}. If I miss it we lose the contract.",
            "IT set this laptop up, not me. Is there any other way?",
        ),
        agent=(
            "Let's check whether your company escrowed the key. What's your device name?",
            "Found it in your company's escrow. I'm reading it out now, and I'll stay on the "
            "line until the drive unlocks.",
        ),
        deadline_minutes=150,
        stakes=("business_deadline", "money_lost"),
        resolution=0.6,
    ),
)

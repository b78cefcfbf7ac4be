"""What simulated customers and agents say, a few scripts per cube cell.

Written for Kairos (no outside text). A script alternates customer and agent turns, starting with
the customer. ``{deadline}`` is the customer's local clock time ``deadline_minutes`` after the
contact starts ("7:30 pm"); ``{minutes}`` is that many minutes in words ("40 minutes").
"""

from __future__ import annotations

from dataclasses import dataclass

from kairos.detection.assessment import cube_cell


@dataclass(frozen=True, slots=True)
class Script:
    """One kind of contact: its cell, reason, skill, stakes and the turns of the conversation."""

    cell: str
    reason: str
    skill: str
    customer: tuple[str, ...]
    agent: tuple[str, ...]
    stakes: tuple[str, ...] = ()
    deadline_minutes: int | None = None
    subject: str = ""
    #: A contact resolved in most runs of the script; the generator draws around this.
    resolution: float = 0.8


def _cell(emotion: str, urgency: str, complexity: str) -> str:
    level = {"low": 0.0, "high": 1.0}
    return cube_cell(level[emotion], level[urgency], level[complexity])


ROUTINE = _cell("low", "low", "low")
ROUTINE_COMPLEX = _cell("low", "low", "high")
URGENT = _cell("low", "high", "low")
URGENT_COMPLEX = _cell("low", "high", "high")
UPSET = _cell("high", "low", "low")
UPSET_COMPLEX = _cell("high", "low", "high")
CRISIS = _cell("high", "high", "low")
CRISIS_COMPLEX = _cell("high", "high", "high")

SCRIPTS: tuple[Script, ...] = (
    # -- emotion low, urgency low, complexity low: routine ---------------------------------------
    Script(
        ROUTINE,
        "balance enquiry",
        "accounts",
        customer=(
            "Hi, can you tell me what my current balance is and when the next payment comes out?",
            "Great, that's all I needed. Thanks.",
        ),
        agent=(
            "Of course. Your balance is $182.40 and the next direct debit is on the 1st.",
            "You're welcome, have a good day.",
        ),
        subject="Balance and next payment date",
        resolution=0.97,
    ),
    Script(
        ROUTINE,
        "address change",
        "accounts",
        customer=(
            "I've moved house and need to update my postal address on the account.",
            "It's 14 Alder Road, flat 2. Postcode is the same as before.",
        ),
        agent=(
            "Happy to help. What's the new address?",
            "Done, you'll get a confirmation letter at the new address within a week.",
        ),
        subject="New address",
        resolution=0.95,
    ),
    Script(
        ROUTINE,
        "copy of invoice",
        "billing",
        customer=(
            "Could you send me a copy of last month's invoice? I need it for my expenses.",
            "Email is fine, thank you.",
        ),
        agent=(
            "Sure, would you like it by email or post?",
            "Sent to the email on file. It should arrive in a couple of minutes.",
        ),
        subject="Invoice copy for March",
        resolution=0.97,
    ),
    # -- emotion low, urgency low, complexity high ---------------------------------------------
    Script(
        ROUTINE_COMPLEX,
        "prorated charges",
        "billing",
        customer=(
            "I changed plans mid-cycle and the bill has three partial charges and a credit I "
            "don't follow. Can you walk me through how it was calculated?",
            "So the credit covers the old plan from the 12th, and the new plan starts the same "
            "day? And the equipment fee is separate?",
        ),
        agent=(
            "Let me pull up the breakdown. There are two periods on this bill, old and new plan.",
            "Exactly. The equipment fee is a one-off. I'll email you the itemised breakdown.",
        ),
        subject="Question about prorated charges",
        resolution=0.75,
    ),
    Script(
        ROUTINE_COMPLEX,
        "coverage question",
        "claims",
        customer=(
            "We're travelling in the spring and my husband has a heart condition that's been "
            "stable for years. Does our policy cover him abroad, and do we need to declare it?",
            "What counts as stable? He had a medication change eight months ago.",
        ),
        agent=(
            "Good question to ask before you travel. Pre-existing conditions depend on the plan "
            "and on when the condition was last treated.",
            "A change in medication within twelve months needs declaring. I can add a medical "
            "screening to the policy now, it takes about ten minutes.",
        ),
        subject="Pre-existing condition cover",
        resolution=0.7,
    ),
    Script(
        ROUTINE_COMPLEX,
        "multi-line move",
        "technical",
        customer=(
            "We're merging two households: I want to move my partner's two lines and the "
            "broadband onto my account and keep both numbers. How does that work?",
            "And the broadband contract has four months left, is there a fee to transfer it?",
        ),
        agent=(
            "That's a transfer of ownership for the lines plus a broadband move. Both numbers "
            "can be kept.",
            "No fee for a transfer of ownership. I'll start the forms and send them to both of "
            "you to sign.",
        ),
        subject="Moving two lines and broadband to one account",
        resolution=0.7,
    ),
    # -- emotion low, urgency high, complexity low ---------------------------------------------
    Script(
        URGENT,
        "boarding pass",
        "travel",
        customer=(
            "My boarding pass won't load in the app and the gate closes in {minutes}. Can you "
            "send it by text?",
            "Got it, thank you!",
        ),
        agent=(
            "I can. I've reissued it and sent it to the mobile number on the booking.",
            "Have a good flight.",
        ),
        deadline_minutes=40,
        stakes=("travel_disruption",),
        resolution=0.95,
    ),
    Script(
        URGENT,
        "card declined",
        "billing",
        customer=(
            "My card keeps getting declined at checkout and the sale ends at {deadline}. There's "
            "money in the account.",
            "OK, trying again now. Yes, it went through.",
        ),
        agent=(
            "I can see our fraud check paused it because of the new merchant. I've approved it, "
            "please try again.",
            "Great. It shouldn't happen again with that merchant.",
        ),
        deadline_minutes=50,
        resolution=0.93,
    ),
    Script(
        URGENT,
        "proof of cover",
        "claims",
        customer=(
            "I need proof of insurance for a hospital appointment at {deadline}, can you email "
            "the certificate?",
            "Received it, thanks.",
        ),
        agent=(
            "Yes, sending the certificate now to the email we have.",
            "You're all set. Good luck with the appointment.",
        ),
        deadline_minutes=75,
        stakes=("health",),
        resolution=0.95,
    ),
    # -- emotion low, urgency high, complexity high ---------------------------------------------
    Script(
        URGENT_COMPLEX,
        "licence activation",
        "technical",
        customer=(
            "We cut over to the new servers tonight at {deadline} and the licence keys won't "
            "activate on the cluster nodes. The error says the seat count is exceeded.",
            "We decommissioned the old nodes last week. Can you release those seats?",
        ),
        agent=(
            "Let me check the entitlement. The old nodes are still registered against your "
            "keys, which is why the seats look used.",
            "I've released the six old seats and opened a ticket with licensing to confirm. "
            "Please retry activation now.",
        ),
        deadline_minutes=180,
        stakes=("business_deadline",),
        resolution=0.7,
    ),
    Script(
        URGENT_COMPLEX,
        "payroll file rejected",
        "accounts",
        customer=(
            "Our payroll file was rejected with a format error and it has to be in by {deadline} "
            "or 200 people don't get paid on Friday.",
            "We added a new cost centre field this month, could that be it?",
        ),
        agent=(
            "I'm looking at the rejection report now. It's failing validation on line 87.",
            "That's it, the field shifted the columns. I can accept a corrected file up to the "
            "cut-off and I'll watch for it.",
        ),
        deadline_minutes=120,
        stakes=("business_deadline", "money_lost"),
        resolution=0.75,
    ),
    Script(
        URGENT_COMPLEX,
        "wire held for review",
        "accounts",
        customer=(
            "The wire for our house closing has to arrive by {deadline} and your bank put it on "
            "hold for review. The title company needs a reference number before they'll wait.",
            "It's the same amount we told the branch about last week. Can you release it?",
        ),
        agent=(
            "Let me look at the hold. It was flagged because the beneficiary account is new "
            "to you.",
            "I've verified it with you and released it; here's the reference for the title "
            "company. It should land within the hour.",
        ),
        deadline_minutes=150,
        stakes=("money_lost",),
        resolution=0.75,
    ),
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

#: Scripts per cube cell.
BY_CELL: dict[str, tuple[Script, ...]] = {
    cell: tuple(s for s in SCRIPTS if s.cell == cell)
    for cell in dict.fromkeys(s.cell for s in SCRIPTS)
}

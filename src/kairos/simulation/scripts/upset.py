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
        moment_of_truth=True,
        why=("(3) bereavement, and (2) the certificate already sent twice"),
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
        moment_of_truth=True,
        why=(
            "(2) the fee charged again after paying on time, and the customer says they will leave"
        ),
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
        moment_of_truth=True,
        why=("(3) mistreatment by staff: hung up on, asking to be treated like a person"),
    ),
    # Irritation at a first, small failure: upset, but nothing at stake (most upset contacts).
    Script(
        UPSET,
        "late parcel",
        "billing",
        customer=(
            "My parcel was supposed to arrive yesterday and it still hasn't turned up. I waited "
            "in all day, which is annoying.",
            "Tomorrow is fine. Thanks.",
        ),
        agent=(
            "Sorry about that. It missed the van yesterday; it's out for delivery tomorrow "
            "morning.",
            "You'll get a text with a one-hour window.",
        ),
        subject="Parcel not delivered",
        resolution=0.9,
        moment_of_truth=False,
        why=("irritation at a first, small failure; the parcel comes tomorrow"),
    ),
    Script(
        UPSET,
        "long hold",
        "accounts",
        customer=(
            "I've been on hold for twenty minutes just to change my payment date. That's "
            "frustrating. Can you move it to the 5th?",
            "OK, thanks.",
        ),
        agent=(
            "Sorry for the wait, it's been a busy morning. Yes, I can do that now.",
            "Done, from next month it comes out on the 5th.",
        ),
        subject="Change of payment date",
        resolution=0.95,
        moment_of_truth=False,
        why=("irritation at a wait; the request itself is routine"),
    ),
    Script(
        UPSET,
        "app logging out",
        "technical",
        customer=(
            "Your app keeps logging me out every time I switch screens, it's really annoying. "
            "Is there a fix?",
            "That worked, thanks.",
        ),
        agent=(
            "Sorry about that, a recent update caused it. Clearing the app's cache fixes it "
            "until the patch comes out on Friday.",
            "Glad it's sorted.",
        ),
        subject="App keeps logging me out",
        resolution=0.9,
        moment_of_truth=False,
        why=("irritation at a buggy app; nothing lost"),
    ),
    Script(
        UPSET,
        "website error",
        "billing",
        customer=(
            "Your website keeps throwing an error when I try to pay my bill. It's so "
            "irritating. Can I just pay over the phone?",
            "Done, thanks.",
        ),
        agent=(
            "Sorry about that, we know about the error and it's being fixed today. Yes, I can "
            "take the payment now.",
            "All paid, you'll get a receipt by email.",
        ),
        subject="Can't pay my bill online",
        resolution=0.95,
        moment_of_truth=False,
        why="irritation at a broken web page; the payment is taken in the contact",
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
        moment_of_truth=True,
        why=("(2) the third call, two visits that fixed nothing, and the customer works from home"),
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
        moment_of_truth=True,
        why=("(3) a claim denied that the customer holds unjust, with the kitchen unusable"),
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
        moment_of_truth=True,
        why=("(3) a plan mis-sold to an 84-year-old, a $2,300 bill, distress said outright"),
    ),
    Script(
        UPSET_COMPLEX,
        "confusing bill",
        "billing",
        customer=(
            "I'm quite annoyed, the new bill layout makes no sense. I can't tell which charges "
            "are roaming and which are my bundle.",
            "Right, so the roaming was only the two days in France. Fine, that makes sense now.",
        ),
        agent=(
            "Sorry, the new layout has confused a few people. Let me go through it with you: "
            "page two lists the bundle, page three anything outside it.",
            "Exactly. I'll send you a short guide to the new layout as well.",
        ),
        subject="New bill layout",
        resolution=0.85,
        moment_of_truth=False,
        why=("annoyed at a bill's layout; nothing lost once explained"),
    ),
    Script(
        UPSET_COMPLEX,
        "router setup",
        "technical",
        customer=(
            "I'm fed up with this new router. The instructions are useless and half my devices "
            "won't connect.",
            "Oh, it was the old network name. OK, they're all connected now.",
        ),
        agent=(
            "Sorry it's been a struggle. The older devices are still looking for the old "
            "network name; let's give the new router that name.",
            "Great. I'll email you the settings so you have them for later.",
        ),
        subject="New router setup",
        resolution=0.85,
        moment_of_truth=False,
        why=("fed up with a first setup; nothing lost, fixed in the contact"),
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
        moment_of_truth=True,
        why=("(1) a daughter's recital tonight, lost unless this contact finds a flight"),
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
        moment_of_truth=True,
        why=("(1) money stolen and rent due tomorrow; panic said outright"),
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
        moment_of_truth=True,
        why=("(1) a client presentation within hours and everything on the locked laptop"),
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
        moment_of_truth=True,
        why=("(1) safety: an accident on the motorway with children, a first claim"),
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
        moment_of_truth=True,
        why=("(1) stranded with three children and a wedding tomorrow"),
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
        moment_of_truth=True,
        why=("(1) the client deliverable due within hours, the contract lost if missed"),
    ),
)

"""Scripts of customers who stay calm: the four emotion:low cells."""

from __future__ import annotations

from kairos.simulation.scripts.model import (
    ROUTINE,
    ROUTINE_COMPLEX,
    URGENT,
    URGENT_COMPLEX,
    Script,
)

CALM: tuple[Script, ...] = (
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
        moment_of_truth=False,
        why=("a question, answered; nothing at stake"),
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
        moment_of_truth=False,
        why=("a routine change; nothing at stake"),
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
        moment_of_truth=False,
        why=("a routine request; nothing at stake"),
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
        moment_of_truth=False,
        why=("a complex question, asked calmly; nothing lost whatever the answer"),
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
        moment_of_truth=False,
        why=("planning ahead: a serious subject but no loss at stake in this contact"),
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
        moment_of_truth=False,
        why=("a complex change, planned; nothing at stake"),
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
        moment_of_truth=True,
        why=(
            "(1) the gate closes in minutes: if this contact fails the flight is missed, which "
            "cannot be put right afterwards"
        ),
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
        moment_of_truth=False,
        why=("a deadline whose loss is an inconvenience (a sale ends); money is not at risk"),
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
        moment_of_truth=False,
        why=(
            "a document on a deadline, sent in a minute; the appointment does not hang on this "
            "contact"
        ),
    ),
    Script(
        URGENT,
        "delivery instructions",
        "accounts",
        customer=(
            "My delivery is due this afternoon but I have to go out at {deadline}. Can you ask "
            "the driver to leave it with my neighbour at number 12?",
            "Perfect, thanks.",
        ),
        agent=(
            "Yes, I've added a note for the driver to leave it at number 12.",
            "You'll get a photo when it's delivered.",
        ),
        deadline_minutes=60,
        resolution=0.95,
        moment_of_truth=False,
        why="a deadline whose loss is an inconvenience: the parcel can be delivered later",
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
        moment_of_truth=False,
        why=("a technical deadline whose loss is a rescheduled cut-over, put right later"),
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
        moment_of_truth=True,
        why=("(1) 200 people go unpaid unless the file is accepted within hours"),
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
        moment_of_truth=True,
        why=("(1) the bank's own hold puts a house purchase at risk within hours"),
    ),
)

package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The demo shop: Brewline, a webshop for espresso machines, grinders and
// accessories. Everything below is what its customers and agents write.

var products = []string{
	"Brewline Barista Pro", "Brewline Compact 2", "Brewline Duo Milk", "Brewline Grinder S", "Brewline Grinder X",
	"Brewline Filter One", "Brewline Cold Brew Kit", "Brewline Milk Frother", "Brewline Espresso Mini", "Brewline Latte Station",
}

var parts = []string{
	"water tank", "drip tray", "portafilter", "steam wand", "brew group", "milk hose", "burr set", "power cable",
	"bean hopper lid", "descaling valve", "glass carafe", "tamper",
}

var carriers = []string{"DHL", "UPS", "DPD", "GLS", "PostNL"}

// topic is one kind of customer problem with the words people use for it.
type topic struct {
	team      string
	tags      []string
	weight    int
	subjects  []string
	bodies    []string
	replies   []string
	followups []string
	notes     []string
}

var topics = []topic{
	{
		team: "Logistics", tags: []string{"delivery", "late-parcel"}, weight: 5,
		subjects: []string{"Where is my order {order}?", "Parcel hasn't arrived", "Order {order} still not delivered",
			"Tracking shows no movement for 5 days", "Delivery late - {product}", "Package marked delivered but not here"},
		bodies: []string{
			"Hi, I ordered the {product} ({order}) over a week ago and it still hasn't arrived. The {carrier} tracking number {tracking} hasn't updated since Monday. Can you check what's going on?",
			"Hello, tracking for order {order} says the parcel was delivered yesterday, but there is nothing at my door and my neighbours haven't seen it either. What can I do?",
			"My {product} was supposed to arrive on Friday for my partner's birthday. Tracking {tracking} just says 'in transit'. Is it lost?",
			"Hi there, any news on order {order}? It has been 9 days. I paid for express shipping.",
		},
		replies: []string{
			"Hi {name}, thanks for your patience. I checked with {carrier}: your parcel {tracking} was held at their depot because of a label problem. It is back on its way and should arrive within 2 working days. I'll keep an eye on it.",
			"Hi {name}, I'm sorry the parcel hasn't arrived. I've opened an investigation with {carrier}. If it doesn't turn up by Thursday we'll send a replacement {product} free of charge.",
			"Hello {name}, the driver's GPS scan shows the parcel was left at the parcel shop around the corner. You should have a notification card; bring your ID and order number {order}.",
			"Hi {name}, we've refunded the express shipping fee since we missed the promised date. The parcel itself is out for delivery today.",
		},
		followups: []string{
			"Still nothing today. This is getting frustrating.", "Thanks, I'll wait until Thursday then.",
			"The parcel shop says they don't have it. Can you send a replacement?", "It arrived this morning, thank you!",
		},
		notes: []string{
			"Opened claim with {carrier}, reference CLM-{num}. Follow up in 48h.", "Third late-delivery complaint from this postcode this week - flagging to ops.",
			"Carrier confirms loss. Replacement approved by team lead.",
		},
	},
	{
		team: "Billing", tags: []string{"billing", "double-charge"}, weight: 4,
		subjects: []string{"Charged twice for order {order}", "Double payment on my card", "Refund not received yet",
			"Wrong amount on invoice", "Need a VAT invoice for {order}", "Payment failed but money taken"},
		bodies: []string{
			"Hi, I was charged {amount} twice for order {order}. My bank statement shows two identical payments on the same day. Please refund one of them.",
			"Hello, I returned the {product} three weeks ago and still haven't received my refund of {amount}. The return was marked as received on your end.",
			"My payment failed at checkout, so I tried again and it worked, but now my card shows both charges. Order {order}.",
			"Could you send me an invoice with our company VAT number for order {order}? We need it for accounting.",
		},
		replies: []string{
			"Hi {name}, you're right - the payment provider captured the amount twice. I've refunded the duplicate charge of {amount}; it should show on your statement within 3-5 working days.",
			"Hi {name}, the first charge was only a pre-authorisation and it will drop off automatically within 7 days. You've only been charged once for order {order}.",
			"Hello {name}, I've issued the refund of {amount} today. Sorry for the delay - the return got stuck in our warehouse check.",
			"Hi {name}, here is the corrected invoice with your VAT number. Let me know if anything else is needed.",
		},
		followups: []string{
			"I still see both charges on my statement. Can you send me a refund confirmation?", "Great, thank you for the quick help.",
			"My bank says the pre-authorisation was captured, not released.", "Got the refund today, thanks.",
		},
		notes: []string{
			"Checked the PSP dashboard: two captures, second one refunded (REF-{num}).", "Customer is a repeat buyer - waive the restocking fee.",
			"Escalated to finance, they need the PSP transaction id.",
		},
	},
	{
		team: "Support", tags: []string{"defect", "spare-part"}, weight: 5,
		subjects: []string{"{product}: {part} broken", "{part} cracked after two weeks", "Machine leaking water",
			"Grinder makes a loud noise", "Warranty claim for my {product}", "Steam wand stopped working"},
		bodies: []string{
			"Hello, the {part} of my {product} cracked after only two weeks of normal use. I have photos if you need them. Is this covered by the warranty?",
			"Hi, my {product} is leaking water from underneath after every shot. I've descaled it and checked the {part}, but it keeps happening.",
			"The grinder on my {product} started making a horrible grinding noise and now produces very uneven grounds. Bought it in spring, order {order}.",
			"Good morning, the steam wand on my {product} no longer produces any steam, only a few drops of water. Everything else works.",
		},
		replies: []string{
			"Hi {name}, sorry about that! The {part} is covered by the 2-year warranty. I've ordered a replacement for you; it ships today and you don't need to send the old one back.",
			"Hi {name}, thanks for the details. Could you send a short video of the leak and a photo of the serial number label under the drip tray? Then I can arrange a repair.",
			"Hello {name}, that sounds like a stone got into the burrs. Please unplug the machine, remove the upper burr (quarter turn anticlockwise) and check for debris. If the noise stays, we'll swap the {part}.",
			"Hi {name}, the steam wand is usually blocked by milk residue. Please soak the tip in hot water for 10 minutes and clear the hole with the pin from the accessory box. Let me know if that helps!",
		},
		followups: []string{
			"Here is the video. The leak starts right after the pump kicks in.", "That fixed it, thank you so much!",
			"There was a small stone in the burrs. Works fine now.", "The replacement {part} is also cracked. Now what?",
		},
		notes: []string{
			"Known issue with the first batch of {part}s (serial 21xx). Replacement from the new batch.", "Repair ticket created with service partner, RMA-{num}.",
			"Customer sent photos - clearly a manufacturing defect, no need for inspection.",
		},
	},
	{
		team: "Support", tags: []string{"how-to"}, weight: 4,
		subjects: []string{"How do I descale the {product}?", "Best grind setting for espresso?", "Milk foam too bubbly",
			"Can I use pre-ground coffee?", "How to reset the {product} to factory settings", "Which water filter fits my machine?"},
		bodies: []string{
			"Hi! How often should I descale my {product} and which descaler do you recommend? The manual only mentions 'regularly'.",
			"I just got the {product}. My espresso runs through in 10 seconds and tastes sour. What grind setting should I start with?",
			"My milk foam always comes out with big bubbles instead of the silky microfoam in your videos. What am I doing wrong?",
			"Is it possible to reset the {product} to factory settings? I changed something in the menu and now the cups are tiny.",
		},
		replies: []string{
			"Hi {name}, with medium-hard water we recommend descaling every 6-8 weeks. Use the Brewline descaler or any citric-acid based one, and run the descaling program from the maintenance menu.",
			"Hi {name}, a 10-second shot means the grind is too coarse. Start at setting 4 and aim for 25-30 seconds for a double shot. Adjust one step at a time.",
			"Hi {name}, keep the steam wand tip just below the surface for the first 3 seconds to let air in, then sink it deeper to create a whirlpool. Cold milk and a cold jug help a lot.",
			"Hello {name}, hold the power and the double-cup buttons together for 5 seconds until all lights blink. That restores the factory settings.",
		},
		followups: []string{
			"Thanks! Setting 4 works much better.", "And how do I know which water hardness I have?",
			"Tried it, the foam is much better now.", "The reset worked, thanks.",
		},
		notes: []string{"Sent the link to the descaling video too.", "Good candidate for a help-centre article.", "Customer prefers phone - called back."},
	},
	{
		team: "Logistics", tags: []string{"return"}, weight: 3,
		subjects: []string{"Return request for {product}", "How do I return an item?", "Return label not working",
			"Exchange {product} for a different model"},
		bodies: []string{
			"Hi, I'd like to return the {product} from order {order}. It's unused and in the original box. How do I get a return label?",
			"The return label you sent me gives an error at the {carrier} shop. Can you send a new one?",
			"Could I exchange my {product} for the Brewline Duo Milk? I realised I need the milk function after all. I'd pay the difference.",
		},
		replies: []string{
			"Hi {name}, I've emailed you a prepaid {carrier} return label. Once the parcel reaches our warehouse we'll refund you within 5 working days.",
			"Hi {name}, sorry about that, the old label expired. Here's a new one that is valid for 14 days.",
			"Hi {name}, of course! Send the {product} back with the label attached and I'll ship the Duo Milk as soon as it's scanned. The difference is {amount}.",
		},
		followups: []string{"Parcel is on its way back, thanks.", "The new label works.", "When will the exchange ship?"},
		notes:     []string{"Return approved outside the 30 days - goodwill.", "Warehouse confirmed receipt, refund triggered."},
	},
	{
		team: "Support", tags: []string{"account"}, weight: 2,
		subjects: []string{"Can't log in to my account", "Change email address on my account", "Delete my account and data",
			"Password reset email not arriving"},
		bodies: []string{
			"I can't log in to my Brewline account. The password reset email never arrives, and I checked the spam folder.",
			"Please change the email on my account to my new address. I no longer have access to the old one.",
			"Please delete my account and all personal data you hold about me.",
		},
		replies: []string{
			"Hi {name}, our mail provider had delays this morning. I've sent a fresh reset link - it's valid for one hour.",
			"Hi {name}, done - your account now uses your new address. You'll get a confirmation there.",
			"Hi {name}, your account and personal data have been deleted. Order records we must keep for tax reasons are retained for 10 years.",
		},
		followups: []string{"Got it, thanks!", "Still no email, sorry.", "Thank you for confirming."},
		notes:     []string{"Verified identity via last order number before changing the email.", "GDPR deletion logged."},
	},
}

var thanks = []string{
	"Thank you, that solved it!", "Perfect, thanks for the quick help.", "All good now, you can close this.",
	"Thanks a lot, great service.", "Works again. Cheers!",
}

var reopeners = []string{
	"Sorry to bother you again - the problem is back.", "It happened again this morning.",
	"Actually the refund never arrived.", "The replacement has the same issue.",
}

var firstNames = []string{
	"Anna", "Ben", "Clara", "David", "Elif", "Finn", "Greta", "Hugo", "Ines", "Jonas", "Katrin", "Luca", "Mia", "Noah",
	"Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara", "Umut", "Vera", "Wim", "Xenia", "Yusuf", "Zoe", "Amira", "Bruno",
	"Chloe", "Dmitri", "Emma", "Felix", "Hannah", "Ivan", "Julia", "Karim", "Lena", "Marco", "Nora", "Oskar",
}

var lastNames = []string{
	"Schmidt", "Okafor", "Novak", "Jansen", "Rossi", "Dubois", "Kowalski", "Yilmaz", "Garcia", "Andersson", "Murphy",
	"Costa", "Nguyen", "Meyer", "Fischer", "Larsen", "Silva", "Horvat", "Brennan", "Weber", "Sato", "Petrov",
}

var mailDomains = []string{"mail.test", "example.com", "example.net", "inbox.test", "posteo.test"}

var organizations = []string{"Café Aurora", "Bean & Leaf Roasters", "Nordlicht Hotels", "Office Hub GmbH", "Kaffeebar Eins", "Studio Piccolo"}

// filler replaces the {placeholders} in s.
type filler struct {
	r       *rand.Rand
	name    string
	product string
	part    string
	order   string
	carrier string
}

func newFiller(r *rand.Rand, name string) *filler {
	return &filler{
		r: r, name: name,
		product: products[r.IntN(len(products))],
		part:    parts[r.IntN(len(parts))],
		order:   fmt.Sprintf("BL-%06d", 100000+r.IntN(900000)),
		carrier: carriers[r.IntN(len(carriers))],
	}
}

func (f *filler) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return strings.NewReplacer(
		"{name}", f.name, "{product}", f.product, "{part}", f.part, "{order}", f.order, "{carrier}", f.carrier,
		"{tracking}", fmt.Sprintf("%s%010d", strings.ToUpper(f.carrier[:2]), f.r.IntN(1e9)),
		"{amount}", fmt.Sprintf("€%d.%02d", 20+f.r.IntN(700), f.r.IntN(100)),
		"{num}", fmt.Sprintf("%05d", f.r.IntN(100000)),
	).Replace(s)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// pickTopic chooses a topic by weight.
func pickTopic(r *rand.Rand) *topic {
	total := 0
	for _, t := range topics {
		total += t.weight
	}
	n := r.IntN(total)
	for i := range topics {
		if n < topics[i].weight {
			return &topics[i]
		}
		n -= topics[i].weight
	}
	return &topics[0]
}

"""scalper_booking: 黄牛 and travel agencies booking museum and scenic-spot slots with other
people's ID numbers, one lead per ring of accounts, devices and the ID numbers they used."""

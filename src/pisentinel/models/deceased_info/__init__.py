"""deceased_info: hospital staff leaking deceased patients' records and their families' phone
numbers to funeral businesses (SPP 2026 case S5, Minhang), one lead per suspected staff member
and one per funeral company receiving the leaks."""

"""fake_recruitment 虚假招聘: job postings (× business registration, × résumé deliveries) → 类案
leads on the schemes, contacts and employers that harvest job seekers' personal information."""

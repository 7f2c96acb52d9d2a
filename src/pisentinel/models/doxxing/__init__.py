"""网络开盒 (doxxing): posts that bundle one private person's identifiers, 开盒 / 社工库 service
ads, and the victims, channels and authors they link to (SPP 2026 case S4, Lin'an)."""

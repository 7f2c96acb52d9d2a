"""parking_app: smart-parking apps (APK, privacy policy, captured traffic) checked against what
parking payment needs and what the policy promises (SPP 2026 case S1, Xushui)."""

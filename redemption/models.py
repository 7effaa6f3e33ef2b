# Rounds, the reward catalogue and redemptions arrive with the "Redemption rounds" issue.

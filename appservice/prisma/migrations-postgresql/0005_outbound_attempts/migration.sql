-- When the appservice last tried to send a queued message. Synapse forgets appservice
-- transaction ids when it restarts, so a message attempted without a recorded answer is
-- looked up in the room (by content["org.aachat.txn"]) before it is sent again.
-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN "attemptedAt" TIMESTAMP(3);

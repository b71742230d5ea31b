-- What each turn of an agent cost, and its daily cost limit: the one from environment.yaml,
-- the owner's from the console, and today's after the owner agreed to go past it.
-- AlterTable
ALTER TABLE "Agent" ADD COLUMN "budgetConfiguredUsd" REAL;
ALTER TABLE "Agent" ADD COLUMN "budgetOverrideUsd" REAL;
ALTER TABLE "Agent" ADD COLUMN "budgetRaisedUsd" REAL;
ALTER TABLE "Agent" ADD COLUMN "budgetRaisedDay" TEXT;

-- CreateTable
CREATE TABLE "AgentUsage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "agentId" INTEGER NOT NULL,
    "sessionId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "tokens" INTEGER NOT NULL,
    "costUsd" REAL NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AgentUsage_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "AgentUsage_agentId_at_idx" ON "AgentUsage"("agentId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AgentUsage_agentId_key_key" ON "AgentUsage"("agentId", "key");

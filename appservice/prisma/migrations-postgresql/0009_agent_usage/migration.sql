-- What each turn of an agent cost, and its daily cost limit: the one from environment.yaml,
-- the owner's from the console, and today's after the owner agreed to go past it.
-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "budgetConfiguredUsd" DOUBLE PRECISION,
ADD COLUMN     "budgetOverrideUsd" DOUBLE PRECISION,
ADD COLUMN     "budgetRaisedUsd" DOUBLE PRECISION,
ADD COLUMN     "budgetRaisedDay" TEXT;

-- CreateTable
CREATE TABLE "AgentUsage" (
    "id" SERIAL NOT NULL,
    "agentId" INTEGER NOT NULL,
    "sessionId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "tokens" INTEGER NOT NULL,
    "costUsd" DOUBLE PRECISION NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentUsage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AgentUsage_agentId_at_idx" ON "AgentUsage"("agentId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "AgentUsage_agentId_key_key" ON "AgentUsage"("agentId", "key");

-- AddForeignKey
ALTER TABLE "AgentUsage" ADD CONSTRAINT "AgentUsage_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

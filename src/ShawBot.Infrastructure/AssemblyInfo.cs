namespace ShawBot.Infrastructure;
